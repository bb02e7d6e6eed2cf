# client build fragment: the xcmux command-line client.
# Everything but main() is a library so unit tests can run the client
# in-process (forked) against a fake daemon.
noinst_LIBRARIES += client/libxcmuxcli.a
client_libxcmuxcli_a_SOURCES = \
	client/client.h client/cli.c \
	client/args.h client/args.c \
	client/conn.h client/conn.c \
	client/outq.h client/outq.c \
	client/term.h client/term.c \
	client/text.h client/text.c \
	client/cmd-list.c client/cmd-console.c client/cmd-who.c \
	client/cmd-log.c client/cmd-hotkeys.c \
	client/remote.h client/remote.c client/proxy.c

bin_PROGRAMS += client/xcmux
client_xcmux_SOURCES = client/main.c
client_xcmux_LDADD = client/libxcmuxcli.a protocol/libxcmuxproto.a common/libxcmuxcommon.a

dist_man1_MANS = man/xcmux.1

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-client-text tests/unit/test-client-cli
TESTS += tests/unit/test-client-text tests/unit/test-client-cli
tests_unit_test_client_text_SOURCES = tests/unit/test-client-text.c
tests_unit_test_client_text_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_client_text_LDADD = client/libxcmuxcli.a protocol/libxcmuxproto.a \
	common/libxcmuxcommon.a $(CMOCKA_LIBS)
tests_unit_test_client_cli_SOURCES = tests/unit/test-client-cli.c
tests_unit_test_client_cli_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_client_cli_LDADD = client/libxcmuxcli.a protocol/libxcmuxproto.a \
	common/libxcmuxcommon.a $(CMOCKA_LIBS)
endif

# The xenconsole-compatible front end (`xl console` through xcmuxd). The
# Debian package diverts Xen's $(XEN_BINDIR)/xenconsole to
# xenconsole.distrib and links this program in its place; serial and vuart
# consoles are handed back to that original.
pkglibexec_PROGRAMS = client/xenconsole
client_xenconsole_SOURCES = client/xenconsole.c
client_xenconsole_CPPFLAGS = $(AM_CPPFLAGS) \
	-DXENCONSOLE_REAL='"$(XEN_BINDIR)/xenconsole.distrib"'
client_xenconsole_LDADD = client/libxcmuxcli.a protocol/libxcmuxproto.a common/libxcmuxcommon.a
