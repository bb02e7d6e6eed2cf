# xcmuxd: the console daemon.
include daemon/units.mk
include daemon/session.mk

sbin_PROGRAMS += daemon/xcmuxd
daemon_xcmuxd_SOURCES = daemon/main.c daemon/daemon.h \
	daemon/console.c daemon/console.h \
	daemon/domain.c daemon/domain.h \
	daemon/hotkey.c daemon/hotkey-table.c daemon/hotkey.h \
	daemon/parse.c daemon/parse.h \
	daemon/pty.c daemon/pty.h \
	daemon/ring.c daemon/ring.h \
	daemon/hyp.c daemon/hyp.h \
	daemon/store.c daemon/store.h \
	daemon/hvcon.c daemon/hvcon.h \
	daemon/journal.c daemon/journal.h \
	daemon/sdnotify.c daemon/sdnotify.h
daemon_xcmuxd_CPPFLAGS = $(AM_CPPFLAGS) -DSYSCONFDIR='"$(sysconfdir)"'
daemon_xcmuxd_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(INIH_CFLAGS) \
	$(XENCTRL_CFLAGS) $(XENSTORE_CFLAGS) $(XENEVTCHN_CFLAGS) \
	$(XENGNTTAB_CFLAGS) $(XENFOREIGNMEMORY_CFLAGS)
daemon_xcmuxd_LDADD = daemon/libxcmuxd_session.a protocol/libxcmuxproto.a \
	protocol/libhkfilter.a \
	daemon/libxcmuxd.a common/libxcmuxcommon.a $(LIBEVENT_LIBS) $(INIH_LIBS) \
	$(XENCTRL_LIBS) $(XENSTORE_LIBS) $(XENEVTCHN_LIBS) \
	$(XENGNTTAB_LIBS) $(XENFOREIGNMEMORY_LIBS) -lutil

# Hotkey bridge: the pure table/ack/rate-limit parts, without Xen or libevent.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-hotkey
TESTS += tests/unit/test-hotkey
tests_unit_test_hotkey_SOURCES = tests/unit/test-hotkey.c daemon/hotkey-table.c
tests_unit_test_hotkey_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_hotkey_LDADD = daemon/libxcmuxd.a protocol/libhkfilter.a \
	common/libxcmuxcommon.a $(INIH_LIBS) \
	$(CMOCKA_LIBS)
endif
