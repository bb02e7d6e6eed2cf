/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for daemon/config: defaults, a full config, every kind of bad
 * value with its FILE:LINE, override order, sizes, ACLs, and that the
 * sample conf/xcmuxd.conf is the defaults (the key table's own checks are
 * test-config-keys.c). */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/config.h"
#include "daemon/limits.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

static char conf_path[64];

static int setup(void **state)
{
    (void)state;
    snprintf(conf_path, sizeof(conf_path), "/tmp/xcmux-test-config.XXXXXX");
    int fd = mkstemp(conf_path);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(conf_path);
    return 0;
}

static void write_conf(const char *text)
{
    FILE *f = fopen(conf_path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static struct config *load_ok(const char *text)
{
    struct config *cfg = NULL;
    char err[512] = "";
    write_conf(text);
    if (config_load(conf_path, &cfg, err, sizeof(err)) != 0)
        fail_msg("unexpected load error: %s", err);
    assert_non_null(cfg);
    return cfg;
}

/* Loads `text`, expects failure at `line` with `what` in the message. */
static void expect_error(const char *text, int line, const char *what)
{
    struct config *sentinel = (struct config *)&sentinel, *cfg = sentinel;
    char err[512] = "", prefix[128];
    write_conf(text);
    assert_int_equal(config_load(conf_path, &cfg, err, sizeof(err)), -1);
    assert_ptr_equal(cfg, sentinel); /* *out untouched: old config kept */
    snprintf(prefix, sizeof(prefix), "%s:%d: ", conf_path, line);
    if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, what))
        fail_msg("for:\n%s\nwanted '%s...%s', got '%s'", text, prefix, what, err);
}

static bool acl_has_uid(const struct acl *a, uid_t uid)
{
    for (unsigned i = 0; i < a->nuids; i++)
        if (a->uids[i] == uid)
            return true;
    return false;
}

static bool acl_has_gid(const struct acl *a, gid_t gid)
{
    for (unsigned i = 0; i < a->ngids; i++)
        if (a->gids[i] == gid)
            return true;
    return false;
}

static void assert_acl_equal(const struct acl *a, const struct acl *b)
{
    assert_int_equal(a->everyone, b->everyone);
    assert_int_equal(a->nuids, b->nuids);
    assert_int_equal(a->ngids, b->ngids);
    assert_memory_equal(a->uids, b->uids, a->nuids * sizeof(uid_t));
    assert_memory_equal(a->gids, b->gids, a->ngids * sizeof(gid_t));
}

static void assert_console_cfg_equal(const struct console_cfg *a, const struct console_cfg *b)
{
    assert_int_equal(a->log, b->log);
    assert_int_equal(a->timestamps, b->timestamps);
    assert_int_equal(a->sanitize, b->sanitize);
    assert_int_equal(a->log_max_size, b->log_max_size);
    assert_int_equal(a->log_keep, b->log_keep);
    assert_int_equal(a->buffer_size, b->buffer_size);
    assert_int_equal(a->replay, b->replay);
    assert_int_equal(a->rate, b->rate);
    assert_int_equal(a->burst, b->burst);
    assert_int_equal(a->policy, b->policy);
    assert_int_equal(a->pty, b->pty);
    assert_int_equal(a->escape, b->escape);
    assert_acl_equal(&a->read, &b->read);
    assert_acl_equal(&a->write, &b->write);
    assert_acl_equal(&a->admin, &b->admin);
}

static void test_defaults(void **state)
{
    struct config *cfg = NULL;
    struct console_cfg cc;
    char err[256];
    (void)state;
    assert_int_equal(config_load(NULL, &cfg, err, sizeof(err)), 0);
    assert_string_equal(cfg->socket_path, "/run/xcmux/xcmux.sock");
    assert_int_equal(cfg->socket_mode, 0660);
    assert_string_equal(cfg->log_dir, "/var/log/xcmux");
    config_for_domain(cfg, "anything", &cc);
    assert_true(cc.log && cc.timestamps && cc.sanitize);
    assert_int_equal(cc.log_max_size, 10u << 20);
    assert_int_equal(cc.log_keep, 5);
    assert_int_equal(cc.buffer_size, 64u << 10);
    assert_int_equal(cc.replay, 16u << 10);
    assert_int_equal(cc.rate, 0);
    assert_int_equal(cc.burst, 0);
    assert_int_equal(cc.policy, WRITE_POLICY_SINGLE);
    assert_int_equal(cc.pty, PTY_RW);
    assert_int_equal(cc.escape, 0x1d);
    assert_true(acl_has_uid(&cc.read, 0));
    assert_true(acl_has_uid(&cc.write, 0));
    assert_true(acl_has_uid(&cc.admin, 0));
    struct group *gr = getgrnam(XCMUX_DEFAULT_GROUP);
    assert_int_equal(cc.read.ngids, gr ? 1 : 0);
    assert_int_equal(cfg->socket_group_set, gr != NULL);
    assert_false(cc.read.everyone);
    /* Nobody but root by default (unless in the xcmux group). */
    assert_int_equal(console_access(&cc, 65534, 65534, NULL, 0), ACCESS_NONE);
    assert_int_equal(console_access(&cc, 0, 0, NULL, 0), ACCESS_ADMIN);
    config_free(cfg);
}

static const char full_conf[] =
    "# comment\n"
    "; another\n"
    "[global]\n"
    "socket_path = /tmp/x.sock\n"
    "socket_mode = 0600\n"
    "socket_group = daemon\n"
    "log_dir = /srv/logs ; inline comment\n"
    "log = off\n"
    "timestamps = no\n"
    "sanitize = FALSE\n"
    "log_max_size = 1G\n"
    "log_keep = 0\n"
    "buffer_size = 1M\n"
    "replay = 4k\n"
    "rate = 2M\n"
    "burst = 512k\n"
    "write_policy = shared\n"
    "pty = ro\n"
    "escape = ^a\n"
    "read = *\n"
    "  write = daemon @adm uid:1234\n" /* indented: a key, not a continuation */
    "admin = uid:4242\n";

static void test_full_config(void **state)
{
    struct console_cfg cc;
    (void)state;
    struct config *cfg = load_ok(full_conf);
    assert_string_equal(cfg->socket_path, "/tmp/x.sock");
    assert_int_equal(cfg->socket_mode, 0600);
    assert_true(cfg->socket_group_set);
    assert_int_equal(cfg->socket_group, 1);
    assert_string_equal(cfg->log_dir, "/srv/logs");
    config_for_domain(cfg, "g", &cc);
    assert_false(cc.log || cc.timestamps || cc.sanitize);
    assert_int_equal(cc.log_max_size, 1u << 30);
    assert_int_equal(cc.log_keep, 0);
    assert_int_equal(cc.buffer_size, 1u << 20);
    assert_int_equal(cc.replay, 4096);
    assert_int_equal(cc.rate, 2u << 20);
    assert_int_equal(cc.burst, 512u << 10);
    assert_int_equal(cc.policy, WRITE_POLICY_SHARED);
    assert_int_equal(cc.pty, PTY_RO);
    assert_int_equal(cc.escape, 1);
    assert_true(cc.read.everyone);
    assert_true(acl_has_uid(&cc.write, 1));
    assert_true(acl_has_uid(&cc.write, 1234));
    assert_true(acl_has_gid(&cc.write, 4));
    assert_true(acl_has_uid(&cc.admin, 4242));
    assert_false(acl_has_uid(&cc.admin, 0)); /* root is implicit, not listed */
    assert_int_equal(console_access(&cc, 0, 0, NULL, 0), ACCESS_ADMIN);
    assert_int_equal(console_access(&cc, 4242, 100, NULL, 0), ACCESS_ADMIN);
    assert_int_equal(console_access(&cc, 1234, 100, NULL, 0), ACCESS_WRITE);
    assert_int_equal(console_access(&cc, 999, 100, NULL, 0), ACCESS_READ);
    config_free(cfg);
}

static void test_errors_name_file_and_line(void **state)
{
    (void)state;
    expect_error("[global]\nlog = on\nbogus = 1\n", 3, "unknown key 'bogus'");
    expect_error("[global]\nlog = maybe\n", 2, "bad boolean 'maybe'");
    expect_error("[global]\n\nreplay = 12q\n", 3, "bad size '12q'");
    expect_error("[global]\nreplay = 65M\n", 2, "out of range");
    expect_error("[global]\nbuffer_size = 48k\n", 2, "not a power of two");
    expect_error("[global]\nbuffer_size = 2k\n", 2, "not a power of two in 4k..64M");
    expect_error("[global]\nbuffer_size = 128M\n", 2, "buffer_size");
    expect_error("[global]\nbuffer_size = 0\n", 2, "buffer_size");
    expect_error("[global]\nlog_max_size = 1k\n", 2, "out of range");
    expect_error("[global]\nlog_keep = 100\n", 2, "bad count '100'");
    expect_error("[global]\nlog_keep = -1\n", 2, "bad count");
    expect_error("[global]\nsocket_mode = 0999\n", 2, "bad mode");
    expect_error("[global]\nsocket_mode = 01777\n", 2, "bad mode");
    expect_error("[global]\nsocket_path = run/x.sock\n", 2, "not an absolute path");
    expect_error("[global]\nsocket_path = "
                 "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
                 2, "path longer than 107");
    expect_error("[global]\nsocket_group = nosuchgroup-xcmux\n", 2, "unknown group");
    expect_error("[global]\nwrite_policy = many\n", 2, "bad policy 'many'");
    expect_error("[global]\npty = yes\n", 2, "bad pty mode 'yes'");
    expect_error("[global]\nescape = ^@\n", 2, "bad escape");
    expect_error("[global]\nescape = ab\n", 2, "bad escape");
    expect_error("[global]\nrate = 2T\n", 2, "bad size");
    /* Too large for 64 bits is a range error, not a syntax error. */
    expect_error("[global]\nburst = 99999999999999999999\n", 2, "out of range");
    expect_error("[global]\nbuffer_size = 18446744073709551616k\n", 2,
                 "buffer_size: '18446744073709551616k' out of range (4k..64M");
    expect_error("[global]\nbuffer_size = 16777216G\n", 2, "out of range");
    expect_error("[global]\nbuffer_size = 1G\n", 2, "out of range");
    expect_error("[global]\nmax_connections_per_user = 0\n", 2,
                 "max_connections_per_user: 0 out of range (1..4096)");
    expect_error("[global]\nmax_connections_per_user = 99999999999999999999999\n", 2,
                 "out of range");
    expect_error("[global]\nmax_sessions_per_user = 65\n", 2, "out of range (1..64)");
    expect_error("[global]\nreserved_connections = x\n", 2, "bad count 'x'");
    expect_error("[global]\nreserved_sessions = 33\n", 2, "out of range (0..32)");
    expect_error("[domain:a*]\nreserved_sessions = 3\n", 2, "only allowed in [global]");
    expect_error("[global]\nread = root nosuchuser-xcmux\n", 2,
                 "read: unknown user 'nosuchuser-xcmux'");
    expect_error("[global]\nwrite = @nosuchgroup-xcmux\n", 2, "unknown group 'nosuchgroup-xcmux'");
    expect_error("[global]\nadmin = uid:abc\n", 2, "bad uid");
    expect_error("[global]\nread = gid:-1\n", 2, "bad gid");
    expect_error("log = on\n", 1, "outside a section");
    expect_error("[global]\n[globl]\nlog = on\n", 2, "unknown section [globl]");
    expect_error("[global]\n[other]\n", 2, "unknown section");
    expect_error("[domain:]\nlog = on\n", 1, "empty glob");
    char long_glob[XCMUX_CONFIG_GLOB_MAX + 32];
    snprintf(long_glob, sizeof(long_glob), "[global]\n[domain:%0*d]\n", XCMUX_CONFIG_GLOB_MAX + 1,
             0);
    expect_error(long_glob, 2, "glob longer than 256");
    expect_error("[global] junk\n", 1, "text after section header");
    expect_error("[global]\nlog = on\n[domain:x*]\nsocket_path = /x\n", 4,
                 "only allowed in [global]");
    expect_error("[global]\nlog = on\nrate = 1\nlog = off\n", 4, "duplicate key 'log'");
    expect_error("[global]\nlog = on\njust words\n", 3, "syntax error");
    expect_error("[global]\n[domain:a\n", 2, "unterminated section header");
    expect_error("[global]\n= value\n", 2, "unknown key ''");

    char long_line[XCMUX_CONFIG_LINE_MAX + 64];
    memset(long_line, 'x', sizeof(long_line));
    memcpy(long_line, "[global]\nread = ", 16);
    strcpy(long_line + XCMUX_CONFIG_LINE_MAX + 20, "\n");
    expect_error(long_line, 2, "line longer than");

    /* Too many ACL entries. */
    char many[XCMUX_CONFIG_LINE_MAX];
    size_t n = (size_t)snprintf(many, sizeof(many), "[global]\nread =");
    for (int i = 0; i <= XCMUX_ACL_MAX_ENTRIES; i++)
        n += (size_t)snprintf(many + n, sizeof(many) - n, " uid:%d", i);
    snprintf(many + n, sizeof(many) - n, "\n");
    expect_error(many, 2, "more than 32");
}

static void test_missing_file(void **state)
{
    struct config *cfg = NULL;
    char err[256];
    (void)state;
    assert_int_equal(config_load("/nonexistent/xcmuxd.conf", &cfg, err, sizeof(err)), -1);
    assert_null(cfg);
    assert_string_equal(err, "/nonexistent/xcmuxd.conf: No such file or directory");
}

static const char override_conf[] = "[global]\n"
                                    "rate = 100\n"
                                    "[domain:web*]\n"
                                    "rate = 200\n"
                                    "replay = 1k\n"
                                    "policy_is_not_here = 1\n";

static void test_glob_override_order(void **state)
{
    struct console_cfg cc;
    (void)state;
    expect_error(override_conf, 6, "unknown key 'policy_is_not_here'");
    struct config *cfg =
        load_ok("[global]\n"
                "rate = 100\n"
                "write_policy = single\n"
                "[domain:web*]\n"
                "rate = 200\n"
                "replay = 1k\n"
                "[domain:web1]\n"
                "rate = 300\n"
                "write_policy = single\n"
                "[domain:*1]\n"
                "timestamps = off\n"
                "read = uid:77\n"
                "[domain:*]\n"
                "write_policy = shared\n"
                "[domain:web*]\n" /* the same glob again: a later section, later wins */
                "escape = none\n"
                "[domain:[ab]?]  ; brackets and a comment after the header\n"
                "pty = off\n"
                "[domain:a-glob-much-longer-than-the-49-bytes-inih-keeps-for-a-name*]\n"
                "log_keep = 7\n");
    config_for_domain(cfg, "web1", &cc);
    assert_int_equal(cc.rate, 300);
    assert_int_equal(cc.replay, 1024);
    assert_false(cc.timestamps);
    assert_int_equal(cc.policy, WRITE_POLICY_SHARED); /* [domain:*] came later */
    assert_int_equal(cc.escape, XCMUX_ESCAPE_NONE);
    assert_true(acl_has_uid(&cc.read, 77));
    assert_int_equal(cc.pty, PTY_RW);

    config_for_domain(cfg, "web2", &cc);
    assert_int_equal(cc.rate, 200);
    assert_int_equal(cc.replay, 1024);
    assert_true(cc.timestamps);
    assert_false(acl_has_uid(&cc.read, 77));

    config_for_domain(cfg, "db1", &cc);
    assert_int_equal(cc.rate, 100);
    assert_int_equal(cc.replay, 16u << 10);
    assert_false(cc.timestamps);
    assert_int_equal(cc.escape, 0x1d);

    config_for_domain(cfg, "b7", &cc);
    assert_int_equal(cc.pty, PTY_OFF);
    config_for_domain(cfg, "a-glob-much-longer-than-the-49-bytes-inih-keeps-for-a-name-x", &cc);
    assert_int_equal(cc.log_keep, 7);
    config_for_domain(cfg, "a-glob-much-longer-than-the-49-bytes-inih-keeps-for-a-nam", &cc);
    assert_int_equal(cc.log_keep, 5);
    config_for_domain(cfg, "WEB1", &cc); /* case-sensitive */
    assert_int_equal(cc.rate, 100);
    config_free(cfg);
}

static void test_size_suffixes(void **state)
{
    uint64_t v;
    (void)state;
    assert_int_equal(config_parse_size("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(config_parse_size("10", &v), 0);
    assert_int_equal(v, 10);
    assert_int_equal(config_parse_size("4k", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(config_parse_size("4K", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(config_parse_size("3M", &v), 0);
    assert_int_equal(v, 3u << 20);
    assert_int_equal(config_parse_size("2g", &v), 0);
    assert_int_equal(v, 2ull << 30);
    assert_int_equal(config_parse_size("18446744073709551615", &v), 0);
    assert_int_equal(v, UINT64_MAX);
    assert_int_equal(config_parse_size("18446744073709551616", &v), -1);
    assert_int_equal(config_parse_size("17179869184G", &v), -1);
    assert_int_equal(config_parse_size("", &v), -1);
    assert_int_equal(config_parse_size("k", &v), -1);
    assert_int_equal(config_parse_size("10kb", &v), -1);
    assert_int_equal(config_parse_size("-1", &v), -1);
    assert_int_equal(config_parse_size(" 1", &v), -1);
    assert_int_equal(config_parse_size("1T", &v), -1);

    struct console_cfg cc;
    struct config *cfg = load_ok("[global]\nbuffer_size = 64M\nlog_max_size = 64k\n"
                                 "rate = 1G\n[domain:x]\nbuffer_size = 4k\n");
    config_for_domain(cfg, "y", &cc);
    assert_int_equal(cc.buffer_size, 64u << 20);
    assert_int_equal(cc.log_max_size, 64u << 10);
    assert_int_equal(cc.rate, 1u << 30);
    config_for_domain(cfg, "x", &cc);
    assert_int_equal(cc.buffer_size, 4096);
    config_free(cfg);
}

static void test_escape_values(void **state)
{
    int e;
    (void)state;
    assert_int_equal(config_parse_escape("^]", &e), 0);
    assert_int_equal(e, 0x1d);
    assert_int_equal(config_parse_escape("^a", &e), 0);
    assert_int_equal(e, 1);
    assert_int_equal(config_parse_escape("^A", &e), 0);
    assert_int_equal(e, 1);
    assert_int_equal(config_parse_escape("^?", &e), 0);
    assert_int_equal(e, 0x7f);
    assert_int_equal(config_parse_escape("~", &e), 0);
    assert_int_equal(e, '~');
    assert_int_equal(config_parse_escape("none", &e), 0);
    assert_int_equal(e, XCMUX_ESCAPE_NONE);
    assert_int_equal(config_parse_escape("^@", &e), -1);
    assert_int_equal(config_parse_escape("^", &e), 0); /* a literal caret */
    assert_int_equal(e, '^');
    assert_int_equal(config_parse_escape("^1", &e), -1);
    assert_int_equal(config_parse_escape("", &e), -1);
    assert_int_equal(config_parse_escape(" ", &e), -1);
    assert_int_equal(config_parse_escape("\xc3", &e), -1);
}

static void test_acl(void **state)
{
    struct console_cfg cc;
    gid_t groups[] = {50, 4};
    (void)state;
    struct config *cfg = load_ok("[global]\n"
                                 "read = daemon, @adm uid:1234 gid:900\n"
                                 "write = uid:2000\n"
                                 "admin = @daemon\n"
                                 "[domain:open]\n"
                                 "read = *\n"
                                 "write = none\n");
    config_for_domain(cfg, "closed", &cc);
    assert_true(acl_allows(&cc.read, 1, 100, NULL, 0));      /* user daemon */
    assert_true(acl_allows(&cc.read, 1234, 100, NULL, 0));   /* uid: */
    assert_true(acl_allows(&cc.read, 5000, 4, NULL, 0));     /* primary @adm */
    assert_true(acl_allows(&cc.read, 5000, 100, groups, 2)); /* supplementary */
    assert_true(acl_allows(&cc.read, 5000, 900, NULL, 0));   /* gid: */
    assert_false(acl_allows(&cc.read, 5000, 100, groups, 1));
    assert_false(acl_allows(&cc.read, 0, 0, NULL, 0)); /* root is not in the list... */
    assert_int_equal(console_access(&cc, 0, 0, NULL, 0), ACCESS_ADMIN); /* ...but always admin */
    assert_int_equal(console_access(&cc, 2000, 100, NULL, 0),
                     ACCESS_WRITE); /* write implies read */
    assert_int_equal(console_access(&cc, 1234, 100, NULL, 0), ACCESS_READ);
    assert_int_equal(console_access(&cc, 7, 1, NULL, 0), ACCESS_ADMIN); /* @daemon */
    assert_int_equal(console_access(&cc, 5000, 100, NULL, 0), ACCESS_NONE);

    config_for_domain(cfg, "open", &cc);
    assert_int_equal(console_access(&cc, 5000, 100, NULL, 0), ACCESS_READ);
    assert_int_equal(console_access(&cc, 2000, 100, NULL, 0), ACCESS_READ); /* write = none */
    assert_int_equal(cc.write.nuids + cc.write.ngids, 0);
    config_free(cfg);

    expect_error("[global]\nread = root\n[domain:x]\nwrite = ghost-user-xcmux\n", 4,
                 "write: unknown user 'ghost-user-xcmux'");
    expect_error("[global]\nadmin = root\n[domain:x]\nadmin = root\n", 4,
                 "only allowed in [global]");
}

/* The shipped sample documents the defaults: loading it changes nothing. */
static void test_sample_conf_is_defaults(void **state)
{
    struct config *sample = NULL, *defaults = NULL;
    struct console_cfg a, b;
    char err[512];
    (void)state;
    if (config_load(TOP_SRCDIR "/conf/xcmuxd.conf", &sample, err, sizeof(err)) != 0)
        fail_msg("sample config: %s", err);
    assert_int_equal(config_load(NULL, &defaults, err, sizeof(err)), 0);
    assert_string_equal(sample->socket_path, defaults->socket_path);
    assert_int_equal(sample->socket_mode, defaults->socket_mode);
    assert_int_equal(sample->socket_group_set, defaults->socket_group_set);
    assert_string_equal(sample->log_dir, defaults->log_dir);
    assert_int_equal(sample->max_conn_per_user, defaults->max_conn_per_user);
    assert_int_equal(sample->max_sessions_per_user, defaults->max_sessions_per_user);
    assert_int_equal(sample->reserved_conn, defaults->reserved_conn);
    assert_int_equal(sample->reserved_sessions, defaults->reserved_sessions);
    config_for_domain(sample, "web1", &a);
    config_for_domain(defaults, "web1", &b);
    assert_console_cfg_equal(&a, &b);
    config_free(sample);
    config_free(defaults);
    /* That every key is documented in the man page and the sample, and
     * accepted by the parser, is test-config-keys.c's. */
}

/* A UTF-8 byte order mark before [global] is not part of the header. */
static void test_utf8_bom(void **state)
{
    struct config *cfg = NULL;
    char err[512];
    (void)state;
    write_conf("\xef\xbb\xbf[global]\nreplay = 1k\nmax_sessions_per_user = 3\n");
    if (config_load(conf_path, &cfg, err, sizeof(err)) != 0)
        fail_msg("config with a BOM: %s", err);
    assert_int_equal(cfg->global.replay, 1024);
    assert_int_equal(cfg->max_sessions_per_user, 3);
    config_free(cfg);
    /* Only at the very start: elsewhere it is text (a bad key). */
    expect_error("[global]\n\xef\xbb\xbfreplay = 1k\n", 2, "unknown key");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_full_config),
        cmocka_unit_test(test_errors_name_file_and_line),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_glob_override_order),
        cmocka_unit_test(test_size_suffixes),
        cmocka_unit_test(test_escape_values),
        cmocka_unit_test(test_acl),
        cmocka_unit_test(test_sample_conf_is_defaults),
        cmocka_unit_test(test_utf8_bom),
    };
    return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
