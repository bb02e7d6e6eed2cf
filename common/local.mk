# common: the rules users see (escape character, numbers, caret notation,
# key names, ms-to-timeval), shared by xcmuxd, xcmux and xensim.
noinst_LIBRARIES += common/libxcmuxcommon.a
common_libxcmuxcommon_a_SOURCES = common/rules.h common/rules.c
# PIC: sim/guest links it into programs built with -fPIC objects too.
common_libxcmuxcommon_a_CFLAGS = $(AM_CFLAGS) -fPIC

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-rules
TESTS += tests/unit/test-rules
tests_unit_test_rules_SOURCES = tests/unit/test-rules.c
tests_unit_test_rules_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_rules_LDADD = common/libxcmuxcommon.a $(CMOCKA_LIBS)
endif
