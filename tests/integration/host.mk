# Host integration: systemd units and notification, socket activation,
# logrotate, xl console compatibility, ssh remote mode, journal output.
HOST_TESTS = tests/integration/systemd.sh tests/integration/xlconsole.sh \
	tests/integration/remote.sh tests/integration/journal.sh
TESTS += $(HOST_TESTS)
EXTRA_DIST += $(HOST_TESTS) tests/integration/host-lib.sh \
	tests/integration/dgram-sink.py
# systemd.sh verifies the units built from systemd/*.in.
$(HOST_TESTS:.sh=.log): $(SYSTEMD_UNITS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-journal
TESTS += tests/unit/test-journal
tests_unit_test_journal_SOURCES = tests/unit/test-journal.c daemon/journal.c daemon/journal.h
tests_unit_test_journal_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_journal_LDADD = common/libxcmuxcommon.a $(CMOCKA_LIBS)
endif
