# tests build fragment
include tests/fuzz/local.mk
include tests/integration/host.mk
include tests/integration/hotkeys.mk
include tests/integration/hostile.mk
include tests/integration/local2.mk
include tests/integration/local.mk
include tests/integration/consoles.mk
include tests/integration/serial.mk
include tests/integration/web.mk
include tests/package/local.mk
include tests/web/local.mk
EXTRA_DIST += tests/e2e/README.md tests/e2e/run.sh tests/e2e/checks.sh tests/e2e/checks-more.sh tests/e2e/dom0-init.sh \
	tests/e2e/domu-init.sh tests/e2e/hkhandler.c tests/e2e/xcmuxd.conf
