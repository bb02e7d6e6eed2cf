# Client-facing part of xcmuxd: listening socket, sessions, escape keys.
# Included from daemon/local.mk. Programs linking daemon/libxcmuxd_session.a
# also need protocol/libxcmuxproto.a, daemon/libxcmuxd.a and $(LIBEVENT_LIBS);
# session.c and session-req.c call into console.c and domain.c.
noinst_LIBRARIES += daemon/libxcmuxd_session.a
daemon_libxcmuxd_session_a_SOURCES = \
	daemon/escape.c daemon/escape.h \
	daemon/server.c daemon/server.h \
	daemon/session.c daemon/session-req.c daemon/session-int.h \
	daemon/session-admit.c daemon/session-admit.h \
	daemon/session.h
daemon_libxcmuxd_session_a_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-escape
TESTS += tests/unit/test-escape
tests_unit_test_escape_SOURCES = tests/unit/test-escape.c
tests_unit_test_escape_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
# Only escape.o is pulled from the archive: the test needs no libevent.
tests_unit_test_escape_LDADD = daemon/libxcmuxd_session.a $(CMOCKA_LIBS)
endif
