# xensim: the simulated Xen host (see sim/README.md).
#
# The hypervisor core (hv.c) is built twice: as libxensim.so.0, which the
# drop-in libraries depend on (one copy of the state mapping per process),
# and as a static PIC archive for programs of our own (the guest host).
# The drop-in libraries are built as "programs" linked with -shared so
# that they get Debian's exact sonames and symbol version nodes without
# libtool renaming them.


xensim_pic_cc = $(AM_CFLAGS) -fPIC -fvisibility=default
xensim_shlib_link = -shared -Wl,-z,now -Wl,-z,defs -Wl,-rpath,'$$ORIGIN'

noinst_LIBRARIES += sim/libhv.a
sim_libhv_a_SOURCES = sim/hv.c sim/hv.h
sim_libhv_a_CFLAGS = $(AM_CFLAGS) -fPIC

noinst_PROGRAMS += sim/lib/libxensim.so.0 sim/lib/libxenevtchn.so.1 \
	sim/lib/libxengnttab.so.1 sim/lib/libxenforeignmemory.so.1 \
	sim/lib/libxenctrl.so.4.17 sim/lib/libxenguest.so.4.17 sim/lib/xensim-preload.so

sim_lib_libxensim_so_0_SOURCES = sim/hv.c sim/hv.h
sim_lib_libxensim_so_0_CFLAGS = $(xensim_pic_cc)
sim_lib_libxensim_so_0_LDFLAGS = $(xensim_shlib_link) -Wl,-soname,libxensim.so.0
sim_lib_libxensim_so_0_LDADD = -lpthread

sim_lib_libxenevtchn_so_1_SOURCES = sim/fake/evtchn.c
sim_lib_libxenevtchn_so_1_CFLAGS = $(xensim_pic_cc) $(XENEVTCHN_CFLAGS)
sim_lib_libxenevtchn_so_1_LDFLAGS = $(xensim_shlib_link) -Wl,-soname,libxenevtchn.so.1 \
	-Wl,--version-script=$(srcdir)/sim/fake/evtchn.map
sim_lib_libxenevtchn_so_1_LDADD = sim/lib/libxensim.so.0
sim_lib_libxenevtchn_so_1_DEPENDENCIES = sim/lib/libxensim.so.0 $(srcdir)/sim/fake/evtchn.map

sim_lib_libxengnttab_so_1_SOURCES = sim/fake/gnttab.c
sim_lib_libxengnttab_so_1_CFLAGS = $(xensim_pic_cc) $(XENGNTTAB_CFLAGS)
sim_lib_libxengnttab_so_1_LDFLAGS = $(xensim_shlib_link) -Wl,-soname,libxengnttab.so.1 \
	-Wl,--version-script=$(srcdir)/sim/fake/gnttab.map
sim_lib_libxengnttab_so_1_LDADD = sim/lib/libxensim.so.0
sim_lib_libxengnttab_so_1_DEPENDENCIES = sim/lib/libxensim.so.0 $(srcdir)/sim/fake/gnttab.map

sim_lib_libxenforeignmemory_so_1_SOURCES = sim/fake/foreignmemory.c
sim_lib_libxenforeignmemory_so_1_CFLAGS = $(xensim_pic_cc) $(XENFOREIGNMEMORY_CFLAGS)
sim_lib_libxenforeignmemory_so_1_LDFLAGS = $(xensim_shlib_link) \
	-Wl,-soname,libxenforeignmemory.so.1 \
	-Wl,--version-script=$(srcdir)/sim/fake/foreignmemory.map
sim_lib_libxenforeignmemory_so_1_LDADD = sim/lib/libxensim.so.0
sim_lib_libxenforeignmemory_so_1_DEPENDENCIES = sim/lib/libxensim.so.0 \
	$(srcdir)/sim/fake/foreignmemory.map

sim_lib_libxenctrl_so_4_17_SOURCES = sim/fake/xenctrl.c
sim_lib_libxenctrl_so_4_17_CFLAGS = $(xensim_pic_cc) $(XENCTRL_CFLAGS)
sim_lib_libxenctrl_so_4_17_LDFLAGS = $(xensim_shlib_link) -Wl,-soname,libxenctrl.so.4.17 \
	-Wl,--version-script=$(srcdir)/sim/fake/xenctrl.map
sim_lib_libxenctrl_so_4_17_LDADD = sim/lib/libxensim.so.0
sim_lib_libxenctrl_so_4_17_DEPENDENCIES = sim/lib/libxensim.so.0 $(srcdir)/sim/fake/xenctrl.map

# oxenstored's NEEDED libxenguest: a stand-in (sim/fake/xenguest.c).
sim_lib_libxenguest_so_4_17_SOURCES = sim/fake/xenguest.c
sim_lib_libxenguest_so_4_17_CFLAGS = $(xensim_pic_cc) $(XENCTRL_CFLAGS)
sim_lib_libxenguest_so_4_17_LDFLAGS = $(xensim_shlib_link) -Wl,-soname,libxenguest.so.4.17 \
	-Wl,--version-script=$(srcdir)/sim/fake/xenguest.map
sim_lib_libxenguest_so_4_17_DEPENDENCIES = $(srcdir)/sim/fake/xenguest.map

sim_lib_xensim_preload_so_SOURCES = sim/fake/preload.c
sim_lib_xensim_preload_so_CFLAGS = $(xensim_pic_cc)
sim_lib_xensim_preload_so_LDFLAGS = $(xensim_shlib_link)
sim_lib_xensim_preload_so_LDADD = -ldl

EXTRA_DIST += sim/fake/evtchn.map sim/fake/gnttab.map sim/fake/foreignmemory.map \
	sim/fake/xenctrl.map sim/fake/xenguest.map sim/README.md sim/xensim.in

# The launcher knows where this build keeps its pieces.
noinst_SCRIPTS = sim/xensim
CLEANFILES += sim/xensim
sim/xensim: $(srcdir)/sim/xensim.in Makefile
	$(AM_V_GEN)mkdir -p sim && sed -e 's|%SIM_BUILDDIR%|$(abs_top_builddir)/sim|g' \
	  -e 's|%XEN_BINDIR%|$(XEN_BINDIR)|g' $(srcdir)/sim/xensim.in > $@.tmp && \
	  chmod +x $@.tmp && mv $@.tmp $@

noinst_PROGRAMS += sim/xensim-host
sim_xensim_host_SOURCES = sim/hostctl.c
sim_xensim_host_LDADD = sim/libhv.a -lpthread

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-hv
TESTS += tests/unit/test-hv
tests_unit_test_hv_SOURCES = tests/unit/test-hv.c
tests_unit_test_hv_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_hv_LDADD = sim/libhv.a -lpthread $(CMOCKA_LIBS)
endif

# ABI test: built against the REAL libraries, run on the drop-in ones.
check_PROGRAMS += tests/abi/abi-check
tests_abi_abi_check_SOURCES = tests/abi/abi-check.c
tests_abi_abi_check_CFLAGS = $(AM_CFLAGS) $(XENCTRL_CFLAGS) $(XENEVTCHN_CFLAGS) \
	$(XENGNTTAB_CFLAGS) $(XENFOREIGNMEMORY_CFLAGS)
tests_abi_abi_check_LDADD = $(XENCTRL_LIBS) $(XENEVTCHN_LIBS) $(XENGNTTAB_LIBS) \
	$(XENFOREIGNMEMORY_LIBS)
TESTS += tests/abi/abi.sh
EXTRA_DIST += tests/abi/abi.sh

TESTS += tests/integration/xenconsoled.sh
EXTRA_DIST += tests/integration/lib.sh tests/integration/ptyio.py tests/integration/xenconsoled.sh
