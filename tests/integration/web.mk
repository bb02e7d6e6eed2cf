# integration tests of xcmux-web, the browser gateway (protocol/WEB.md).
TESTS += tests/integration/web-proto.sh
EXTRA_DIST += tests/integration/web-proto.sh tests/integration/wsclient.py \
	tests/integration/web.mk
