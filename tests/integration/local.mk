# integration tests of xcmuxd + xcmux against xensim (sessions, flow
# control and rate limits, scale); helpers are itest1-*.
TESTS += tests/integration/sessions.sh tests/integration/flow.sh \
	tests/integration/scale.sh
EXTRA_DIST += tests/integration/sessions.sh tests/integration/flow.sh \
	tests/integration/scale.sh tests/integration/itest1-lib.sh \
	tests/integration/itest1-flood.py
# The store connection: an oversized guest directory, the store killed and
# restarted under the daemon (tests/integration/store.sh).
TESTS += tests/integration/store.sh
EXTRA_DIST += tests/integration/store.sh

