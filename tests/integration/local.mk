# integration tests of xcmuxd + xcmux against xensim (sessions, flow
# control and rate limits, scale); helpers are itest1-*.
TESTS += tests/integration/sessions.sh tests/integration/flow.sh \
	tests/integration/scale.sh
EXTRA_DIST += tests/integration/sessions.sh tests/integration/flow.sh \
	tests/integration/scale.sh tests/integration/itest1-lib.sh \
	tests/integration/own-daemon-lib.sh tests/integration/console-server-lib.sh \
	tests/integration/itest1-flood.py
# The store connection: an oversized guest directory, the store killed and
# restarted under the daemon (tests/integration/store.sh).
TESTS += tests/integration/store.sh
EXTRA_DIST += tests/integration/store.sh
# A stopped store never holds the rings (tests/integration/slowstore.sh).
TESTS += tests/integration/slowstore.sh
EXTRA_DIST += tests/integration/slowstore.sh

# Every integration test runs on both xenstore daemons: as NAME.sh on
# xensim's default (oxenstored, Debian's default) and as
# xenstored/NAME.xs on the C xenstored (tests/integration/on-xenstored.bash).
# `make check XENSTORED_PASS=` runs the first pass only.
XENSTORED_PASS = \
	tests/integration/xenstored/xenconsoled.xs \
	tests/integration/xenstored/store.xs \
	tests/integration/xenstored/slowstore.xs \
	tests/integration/xenstored/lifecycle.xs \
	tests/integration/xenstored/security.xs \
	tests/integration/xenstored/logs.xs \
	tests/integration/xenstored/protocol-abuse.xs \
	tests/integration/xenstored/sessions.xs \
	tests/integration/xenstored/flow.xs \
	tests/integration/xenstored/scale.xs \
	tests/integration/xenstored/hotkeys.xs \
	tests/integration/xenstored/hostile.xs \
	tests/integration/xenstored/faults.xs \
	tests/integration/xenstored/fds.xs \
	tests/integration/xenstored/systemd.xs \
	tests/integration/xenstored/xlconsole.xs \
	tests/integration/xenstored/remote.xs \
	tests/integration/xenstored/journal.xs \
	tests/integration/xenstored/counters.xs \
	tests/integration/xenstored/lockout.xs \
	tests/integration/xenstored/restart.xs \
	tests/integration/xenstored/revoke.xs \
	tests/integration/xenstored/ownership.xs \
	tests/integration/xenstored/hvconsole.xs \
	tests/integration/xenstored/takeover.xs \
	tests/integration/xenstored/conserver.xs \
	tests/integration/xenstored/conman.xs
TESTS += $(XENSTORED_PASS)
EXTRA_DIST += tests/integration/on-xenstored.bash
CLEANFILES += $(XENSTORED_PASS)
$(XENSTORED_PASS):
	$(AM_V_GEN)mkdir -p $(@D) && \
	  echo '# C xenstored pass: tests/integration/on-xenstored.bash' >$@
$(XENSTORED_PASS:.xs=.log): $(SYSTEMD_UNITS)

# the Debian package's takeover step and the xl console front end
TESTS += tests/integration/takeover.sh
EXTRA_DIST += tests/integration/takeover.sh
# xcmux consoles in conserver and ConMan (Debian's conserver-server,
# conserver-client and conman; README "Console servers")
TESTS += tests/integration/conserver.sh tests/integration/conman.sh
EXTRA_DIST += tests/integration/conserver.sh tests/integration/conman.sh
