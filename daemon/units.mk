# xcmuxd pure building blocks (no Xen, no sockets): config (driver, key
# table, lexers, hotkey language, ACL checks), log, outbuf, ratelimit, the
# state file (runstate). Included from daemon/local.mk.
noinst_LIBRARIES += daemon/libxcmuxd.a
daemon_libxcmuxd_a_SOURCES = \
	daemon/limits.h \
	daemon/hyp-job.c daemon/hyp.h \
	daemon/config.c daemon/config.h \
	daemon/config-keys.c daemon/config-keys.h \
	daemon/config-lex.c daemon/config-lex.h \
	daemon/hotkey-config.c daemon/hotkey-config.h \
	daemon/access.c daemon/access.h \
	daemon/log.c daemon/log.h \
	daemon/outbuf.c daemon/outbuf.h \
	daemon/ratelimit.c daemon/ratelimit.h \
	daemon/runstate.c daemon/runstate.h
daemon_libxcmuxd_a_CFLAGS = $(AM_CFLAGS) $(INIH_CFLAGS)
# Programs linking daemon/libxcmuxd.a also need common/libxcmuxcommon.a and
# $(INIH_LIBS).

EXTRA_DIST += conf/xcmuxd.conf man/xcmuxd.conf.5

if HAVE_CMOCKA
UNITS_TESTS = \
	tests/unit/test-config \
	tests/unit/test-config-keys \
	tests/unit/test-log \
	tests/unit/test-outbuf \
	tests/unit/test-ratelimit \
	tests/unit/test-runstate \
	tests/unit/test-xsconn
check_PROGRAMS += $(UNITS_TESTS)
TESTS += $(UNITS_TESTS)

UNITS_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
UNITS_TEST_LDADD = daemon/libxcmuxd.a common/libxcmuxcommon.a $(INIH_LIBS) $(CMOCKA_LIBS)

tests_unit_test_config_SOURCES = tests/unit/test-config.c
tests_unit_test_config_CFLAGS = $(UNITS_TEST_CFLAGS)
tests_unit_test_config_LDADD = $(UNITS_TEST_LDADD)

tests_unit_test_config_keys_SOURCES = tests/unit/test-config-keys.c
tests_unit_test_config_keys_CFLAGS = $(UNITS_TEST_CFLAGS)
tests_unit_test_config_keys_LDADD = $(UNITS_TEST_LDADD)

tests_unit_test_log_SOURCES = tests/unit/test-log.c
tests_unit_test_log_CFLAGS = $(UNITS_TEST_CFLAGS)
tests_unit_test_log_LDADD = $(UNITS_TEST_LDADD)

tests_unit_test_outbuf_SOURCES = tests/unit/test-outbuf.c
tests_unit_test_outbuf_CFLAGS = $(UNITS_TEST_CFLAGS)
tests_unit_test_outbuf_LDADD = $(UNITS_TEST_LDADD)

tests_unit_test_ratelimit_SOURCES = tests/unit/test-ratelimit.c
tests_unit_test_ratelimit_CFLAGS = $(UNITS_TEST_CFLAGS)
tests_unit_test_ratelimit_LDADD = $(UNITS_TEST_LDADD)

tests_unit_test_runstate_SOURCES = tests/unit/test-runstate.c
tests_unit_test_runstate_CFLAGS = $(UNITS_TEST_CFLAGS)
tests_unit_test_runstate_LDADD = $(UNITS_TEST_LDADD)

# The pipelined xenstore connection of the xen port, against a store
# the test plays on a socketpair.
tests_unit_test_xsconn_SOURCES = tests/unit/test-xsconn.c daemon/xsconn.c daemon/xsconn.h
tests_unit_test_xsconn_CFLAGS = $(UNITS_TEST_CFLAGS)
tests_unit_test_xsconn_LDADD = $(UNITS_TEST_LDADD)
endif
