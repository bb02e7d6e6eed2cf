# xcmuxd: the console daemon.
include daemon/units.mk
include daemon/session.mk

sbin_PROGRAMS += daemon/xcmuxd
daemon_xcmuxd_SOURCES = daemon/main.c daemon/daemon.h \
	daemon/console.c daemon/console.h \
	daemon/domain.c daemon/domain.h \
	daemon/pty.c daemon/pty.h \
	daemon/ring.c daemon/ring.h \
	daemon/hyp.c daemon/hyp.h
daemon_xcmuxd_CPPFLAGS = $(AM_CPPFLAGS) -DSYSCONFDIR='"$(sysconfdir)"'
daemon_xcmuxd_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(INIH_CFLAGS) \
	$(XENCTRL_CFLAGS) $(XENSTORE_CFLAGS) $(XENEVTCHN_CFLAGS) \
	$(XENGNTTAB_CFLAGS) $(XENFOREIGNMEMORY_CFLAGS)
daemon_xcmuxd_LDADD = daemon/libxcmuxd_session.a protocol/libxcmuxproto.a \
	daemon/libxcmuxd.a $(LIBEVENT_LIBS) $(INIH_LIBS) \
	$(XENCTRL_LIBS) $(XENSTORE_LIBS) $(XENEVTCHN_LIBS) \
	$(XENGNTTAB_LIBS) $(XENFOREIGNMEMORY_LIBS) -lutil
