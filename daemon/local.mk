# xcmuxd: the console daemon.
include daemon/units.mk

# The core: everything of xcmuxd but start-up (main.c), the xen port
# (hyp.c) and sd_notify. It links against any implementation of hyp.h,
# the real one in xcmuxd, tests/unit/fake-hyp.c in the unit tests.
# Programs linking it also need protocol/libxcmuxproto.a,
# protocol/libhkfilter.a, daemon/libxcmuxd.a, common/libxcmuxcommon.a,
# $(LIBEVENT_LIBS), $(INIH_LIBS) and -lutil.
noinst_LIBRARIES += daemon/libxcmuxd_core.a
daemon_libxcmuxd_core_a_SOURCES = \
	daemon/daemon.c daemon/daemon.h \
	daemon/events.c daemon/events.h \
	daemon/console.c daemon/console.h daemon/console-backend.h \
	daemon/console-ring.c \
	daemon/domain.c daemon/domain.h \
	daemon/hotkey.c daemon/hotkey-table.c daemon/hotkey.h \
	daemon/parse.c daemon/parse.h \
	daemon/pty.c daemon/pty.h \
	daemon/ring.c daemon/ring.h \
	daemon/store.c daemon/store.h \
	daemon/watch.c daemon/watch.h \
	daemon/hvcon.c daemon/hvcon.h \
	daemon/serial.c daemon/serial.h \
	daemon/journal.c daemon/journal.h \
	daemon/escape.c daemon/escape.h \
	daemon/server.c daemon/server.h \
	daemon/session.c daemon/session-req.c daemon/session-int.h \
	daemon/session-admit.c daemon/session-admit.h \
	daemon/seat.c daemon/seat.h \
	daemon/follow.c daemon/follow.h \
	daemon/session.h daemon/hyp.h
daemon_libxcmuxd_core_a_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(INIH_CFLAGS)
XCMUXD_CORE_LIBS = daemon/libxcmuxd_core.a protocol/libxcmuxproto.a \
	protocol/libhkfilter.a daemon/libxcmuxd.a common/libxcmuxcommon.a \
	$(LIBEVENT_LIBS) $(INIH_LIBS) -lutil

sbin_PROGRAMS += daemon/xcmuxd
daemon_xcmuxd_SOURCES = daemon/main.c \
	daemon/hyp.c daemon/hyp.h daemon/xsconn.c daemon/xsconn.h \
	daemon/sdnotify.c daemon/sdnotify.h
daemon_xcmuxd_CPPFLAGS = $(AM_CPPFLAGS) -DSYSCONFDIR='"$(sysconfdir)"'
daemon_xcmuxd_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(INIH_CFLAGS) \
	$(XENCTRL_CFLAGS) $(XENSTORE_CFLAGS) $(XENEVTCHN_CFLAGS) \
	$(XENGNTTAB_CFLAGS) $(XENFOREIGNMEMORY_CFLAGS)
daemon_xcmuxd_LDADD = $(XCMUXD_CORE_LIBS) \
	$(XENCTRL_LIBS) $(XENSTORE_LIBS) $(XENEVTCHN_LIBS) \
	$(XENGNTTAB_LIBS) $(XENFOREIGNMEMORY_LIBS)

if HAVE_CMOCKA
# Hotkey bridge: the pure table/ack/rate-limit parts, without Xen or libevent.
check_PROGRAMS += tests/unit/test-hotkey
TESTS += tests/unit/test-hotkey
tests_unit_test_hotkey_SOURCES = tests/unit/test-hotkey.c daemon/hotkey-table.c
tests_unit_test_hotkey_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_hotkey_LDADD = daemon/libxcmuxd.a protocol/libhkfilter.a \
	common/libxcmuxcommon.a $(INIH_LIBS) \
	$(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test-escape
TESTS += tests/unit/test-escape
tests_unit_test_escape_SOURCES = tests/unit/test-escape.c
tests_unit_test_escape_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
# Only escape.o is pulled from the archive: the test needs no libevent.
tests_unit_test_escape_LDADD = daemon/libxcmuxd_core.a $(CMOCKA_LIBS)

# The core on a fake xen port (tests/unit/fake-hyp.c): consoles and
# sessions driven through real sockets and a real event loop.
CORE_TESTS = tests/unit/test-seat tests/unit/test-console tests/unit/test-admit \
	tests/unit/test-session tests/unit/test-hotkey-core tests/unit/test-serial \
	tests/unit/test-server
check_PROGRAMS += $(CORE_TESTS)
TESTS += $(CORE_TESTS)
CORE_TEST_SOURCES = tests/unit/fake-hyp.c tests/unit/core-harness.c \
	tests/unit/core-harness.h
CORE_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBEVENT_CFLAGS) $(INIH_CFLAGS)
CORE_TEST_LDADD = $(XCMUXD_CORE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_seat_SOURCES = tests/unit/test-seat.c $(CORE_TEST_SOURCES)
tests_unit_test_seat_CFLAGS = $(CORE_TEST_CFLAGS)
tests_unit_test_seat_LDADD = $(CORE_TEST_LDADD)
tests_unit_test_console_SOURCES = tests/unit/test-console.c $(CORE_TEST_SOURCES)
tests_unit_test_console_CFLAGS = $(CORE_TEST_CFLAGS)
tests_unit_test_console_LDADD = $(CORE_TEST_LDADD)
tests_unit_test_admit_SOURCES = tests/unit/test-admit.c $(CORE_TEST_SOURCES)
tests_unit_test_admit_CFLAGS = $(CORE_TEST_CFLAGS)
tests_unit_test_admit_LDADD = $(CORE_TEST_LDADD)
tests_unit_test_session_SOURCES = tests/unit/test-session.c $(CORE_TEST_SOURCES)
tests_unit_test_session_CFLAGS = $(CORE_TEST_CFLAGS)
tests_unit_test_session_LDADD = $(CORE_TEST_LDADD)
tests_unit_test_hotkey_core_SOURCES = tests/unit/test-hotkey-core.c $(CORE_TEST_SOURCES)
tests_unit_test_hotkey_core_CFLAGS = $(CORE_TEST_CFLAGS)
tests_unit_test_hotkey_core_LDADD = $(CORE_TEST_LDADD)
tests_unit_test_serial_SOURCES = tests/unit/test-serial.c $(CORE_TEST_SOURCES)
tests_unit_test_serial_CFLAGS = $(CORE_TEST_CFLAGS)
tests_unit_test_serial_LDADD = $(CORE_TEST_LDADD)
# listen() wrapped: the test looks at the socket's path when it is called.
tests_unit_test_server_SOURCES = tests/unit/test-server.c $(CORE_TEST_SOURCES)
tests_unit_test_server_CFLAGS = $(CORE_TEST_CFLAGS)
tests_unit_test_server_LDFLAGS = -Wl,--wrap=listen
tests_unit_test_server_LDADD = $(CORE_TEST_LDADD)
endif
