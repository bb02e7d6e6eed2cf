# protocol build fragment: the wire codec shared by xcmuxd and xcmux.
noinst_LIBRARIES += protocol/libxcmuxproto.a
protocol_libxcmuxproto_a_SOURCES = protocol/xcmux-proto.h protocol/proto.c
EXTRA_DIST += protocol/PROTOCOL.md protocol/WEB.md

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-proto
TESTS += tests/unit/test-proto
tests_unit_test_proto_SOURCES = tests/unit/test-proto.c
tests_unit_test_proto_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_proto_LDADD = protocol/libxcmuxproto.a $(CMOCKA_LIBS)
endif
include protocol/hk.mk
