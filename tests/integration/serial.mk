# integration test: an HVM guest's emulated serial port (serial/0/tty,
# QEMU's pty) served by xcmuxd, opt-in per domain (daemon/serial.h).
TESTS += tests/integration/serial.sh
XENSTORED_PASS += tests/integration/xenstored/serial.xs
EXTRA_DIST += tests/integration/serial.sh tests/integration/serial.mk
