# hotkey filter (HOTKEYS.md §3): shared by xcmuxd and the simulated guest.
noinst_LIBRARIES += protocol/libhkfilter.a
protocol_libhkfilter_a_SOURCES = protocol/hkfilter.h protocol/hkfilter.c
EXTRA_DIST += protocol/HOTKEYS.md protocol/hkfilter-freestanding.sh

# Proves the filter builds freestanding (-ffreestanding -nostdlib, C99) and
# needs nothing beyond memcpy/memset.
TESTS += protocol/hkfilter-freestanding.sh

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-hkfilter
TESTS += tests/unit/test-hkfilter
tests_unit_test_hkfilter_SOURCES = tests/unit/test-hkfilter.c
tests_unit_test_hkfilter_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_hkfilter_LDADD = protocol/libhkfilter.a $(CMOCKA_LIBS)
endif
