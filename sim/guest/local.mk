# sim/guest: xensim-guestd, the simulated guests (see sim/guest/README-fragment.md)

noinst_PROGRAMS += sim/guest/xensim-guestd
sim_guest_xensim_guestd_SOURCES = sim/guest/main.c \
	sim/guest/host.c sim/guest/host.h \
	sim/guest/guest.c sim/guest/guest.h \
	sim/guest/xsring.c sim/guest/xsring.h \
	sim/guest/xswire.c sim/guest/xswire.h \
	sim/guest/conring.c sim/guest/conring.h \
	sim/guest/shell.c sim/guest/shell.h \
	sim/guest/serialport.c sim/guest/serialport.h \
	sim/guest/ctlproto.c sim/guest/ctlproto.h \
	sim/guest/hotkeys.c sim/guest/hotkeys.h \
	sim/guest/hkagent.c sim/guest/hkagent.h
sim_guest_xensim_guestd_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS) $(LIBEVENT_CFLAGS)
sim_guest_xensim_guestd_LDADD = $(XENSTORE_LIBS) $(LIBEVENT_LIBS) sim/libhv.a \
	protocol/libhkfilter.a common/libxcmuxcommon.a -lpthread -lutil



if HAVE_CMOCKA
check_PROGRAMS += sim/guest/test-guest-units
TESTS += sim/guest/test-guest-units
sim_guest_test_guest_units_SOURCES = sim/guest/test_units.c \
	sim/guest/xsring.c sim/guest/conring.c sim/guest/shell.c sim/guest/ctlproto.c \
	sim/guest/hotkeys.c
sim_guest_test_guest_units_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
sim_guest_test_guest_units_LDADD = protocol/libhkfilter.a common/libxcmuxcommon.a $(CMOCKA_LIBS)

check_PROGRAMS += sim/guest/test-xswire
TESTS += sim/guest/test-xswire
sim_guest_test_xswire_SOURCES = sim/guest/test_xswire.c sim/guest/xswire.c
sim_guest_test_xswire_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS) $(CMOCKA_CFLAGS)
sim_guest_test_xswire_LDADD = $(CMOCKA_LIBS)
endif

# A minimal console backend for the guest host's own integration test.
noinst_PROGRAMS += sim/guest/xensim-conpeek
sim_guest_xensim_conpeek_SOURCES = sim/guest/conpeek.c sim/guest/ctlproto.c
sim_guest_xensim_conpeek_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS)
sim_guest_xensim_conpeek_LDADD = $(XENSTORE_LIBS) sim/libhv.a common/libxcmuxcommon.a -lpthread

# End-to-end test on a real xensim host (skips when Debian's xenstored is
# missing). Needs the launcher and the drop-in libraries built.
TESTS += sim/guest/test-guestd.sh sim/guest/test-hotkeys.sh
dist_noinst_SCRIPTS += sim/guest/test-guestd.sh sim/guest/test-hotkeys.sh
