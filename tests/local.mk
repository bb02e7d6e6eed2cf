# tests build fragment
include tests/integration/host.mk
include tests/integration/hotkeys.mk
include tests/integration/local2.mk
