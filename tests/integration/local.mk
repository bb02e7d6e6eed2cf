# integration tests of xcmuxd + xcmux against xensim (sessions, flow
# control and rate limits, scale); helpers are itest1-*.
TESTS += tests/integration/sessions.sh tests/integration/flow.sh \
	tests/integration/scale.sh
EXTRA_DIST += tests/integration/sessions.sh tests/integration/flow.sh \
	tests/integration/scale.sh tests/integration/itest1-lib.sh \
	tests/integration/itest1-flood.py
# the Debian package's takeover step and the xl console front end
TESTS += tests/integration/takeover.sh
EXTRA_DIST += tests/integration/takeover.sh
# xcmux consoles in conserver and ConMan (Debian's conserver-server,
# conserver-client and conman; README "Console servers")
TESTS += tests/integration/conserver.sh tests/integration/conman.sh
EXTRA_DIST += tests/integration/conserver.sh tests/integration/conman.sh
