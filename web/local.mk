# xcmux-web: the browser console gateway (protocol/WEB.md, web/README.md).

# The pure codecs: unit-tested and fuzzed on their own.
noinst_LIBRARIES += web/libxcmuxweb.a
web_libxcmuxweb_a_SOURCES = web/ws.c web/ws.h web/http.c web/http.h \
	web/json.c web/json.h
web_libxcmuxweb_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)

sbin_PROGRAMS += web/xcmux-web
web_xcmux_web_SOURCES = web/main.c web/web.h web/server.c web/bridge.c \
	web/auth.c web/auth.h web/upstream.c web/upstream.h \
	daemon/sdnotify.c daemon/sdnotify.h
web_xcmux_web_CPPFLAGS = $(AM_CPPFLAGS) -DSYSCONFDIR='"$(sysconfdir)"' \
	-DPKGDATADIR='"$(pkgdatadir)"'
web_xcmux_web_CFLAGS = $(AM_CFLAGS) -pthread $(LIBEVENT_OPENSSL_CFLAGS) \
	$(OPENSSL_CFLAGS) $(INIH_CFLAGS)
# CRYPT_LIBS (configure.ac, kept against --as-needed): pam_unix hashes with libcrypt; loaded with the program rather
# than later by PAM's dlopen, ASan's crypt interceptors find the real
# functions (else a call through a NULL pointer under scripts/sanitize.sh).
web_xcmux_web_LDADD = web/libxcmuxweb.a protocol/libxcmuxproto.a \
	$(LIBEVENT_OPENSSL_LIBS) $(OPENSSL_LIBS) $(INIH_LIBS) $(PAM_LIBS) \
	$(CRYPT_LIBS) -lpthread

EXTRA_DIST += web/README.md

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-ws tests/unit/test-http tests/unit/test-json \
	tests/unit/test-auth
TESTS += tests/unit/test-ws tests/unit/test-http tests/unit/test-json tests/unit/test-auth
tests_unit_test_ws_SOURCES = tests/unit/test-ws.c
tests_unit_test_ws_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_ws_LDADD = web/libxcmuxweb.a $(OPENSSL_LIBS) $(CMOCKA_LIBS)
tests_unit_test_http_SOURCES = tests/unit/test-http.c
tests_unit_test_http_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_http_LDADD = web/libxcmuxweb.a $(OPENSSL_LIBS) $(CMOCKA_LIBS)
tests_unit_test_json_SOURCES = tests/unit/test-json.c
tests_unit_test_json_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_json_LDADD = web/libxcmuxweb.a $(CMOCKA_LIBS)
# PAM through service files of its own (pam_permit/pam_deny), no root.
tests_unit_test_auth_SOURCES = tests/unit/test-auth.c web/auth.c
tests_unit_test_auth_CFLAGS = $(AM_CFLAGS) -pthread $(LIBEVENT_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_auth_LDADD = $(LIBEVENT_LIBS) $(OPENSSL_LIBS) $(PAM_LIBS) $(CRYPT_LIBS) \
	-lpthread $(CMOCKA_LIBS)
endif
