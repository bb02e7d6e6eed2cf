# integration tests of xcmuxd + xcmux against xensim: daemon and guest
# life cycle, access control with real uids, logs, protocol abuse.
TESTS += tests/integration/lifecycle.sh tests/integration/security.sh \
	tests/integration/logs.sh tests/integration/protocol-abuse.sh
EXTRA_DIST += tests/integration/lifecycle.sh tests/integration/security.sh \
	tests/integration/logs.sh tests/integration/protocol-abuse.sh \
	tests/integration/rawclient.py
# fds per guest and idle log closing (slow: waits out the log idle time)
TESTS += tests/integration/fds.sh
EXTRA_DIST += tests/integration/fds.sh
# no local user locks the admin out (real uids, ~4500 connections)
TESTS += tests/integration/lockout.sh
EXTRA_DIST += tests/integration/lockout.sh tests/integration/hostile-hold.py
# a reload that narrows the ACLs ends or demotes attached sessions (real uids)
TESTS += tests/integration/revoke.sh
EXTRA_DIST += tests/integration/revoke.sh
# who/list counters while clients are stalled (real uids), protocol v1/v2
TESTS += tests/integration/counters.sh
EXTRA_DIST += tests/integration/counters.sh
# nested log_dir created at start-up; the log after kill -9 / clean restarts
TESTS += tests/integration/restart.sh
EXTRA_DIST += tests/integration/restart.sh
