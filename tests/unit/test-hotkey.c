/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the hotkey bridge's pure parts: hotkey config syntax and
 * its FILE:LINE errors, per-domain merging, guest registry validation, the
 * merged table with the host's hide/rename rules, strict ack parsing, the
 * per-hotkey rate limit, and the sequence the daemon injects (it must be
 * what the guest-side filter recognises). */
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
#include "daemon/hotkey.h"
#include "protocol/hkfilter.h"
#include "protocol/xcmux-proto.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

static char conf_path[64];

static int setup(void **state)
{
    (void)state;
    snprintf(conf_path, sizeof(conf_path), "/tmp/xcmux-test-hotkey.XXXXXX");
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
    return cfg;
}

static void expect_error(const char *text, int line, const char *what)
{
    struct config *cfg = NULL;
    char err[512] = "", prefix[128];
    write_conf(text);
    assert_int_equal(config_load(conf_path, &cfg, err, sizeof(err)), -1);
    assert_null(cfg);
    snprintf(prefix, sizeof(prefix), "%s:%d: ", conf_path, line);
    if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, what))
        fail_msg("for:\n%s\nwanted '%s...%s', got '%s'", text, prefix, what, err);
}

/* ---- config ---------------------------------------------------------------- */

static void test_config_defaults(void **state)
{
    (void)state;
    struct config *cfg = NULL;
    char err[256];
    assert_int_equal(config_load(NULL, &cfg, err, sizeof(err)), 0);
    struct console_cfg cc;
    config_for_domain(cfg, "any", &cc);
    assert_int_equal(cc.hotkeys->n, 0);
    assert_true(cc.guest_hotkeys);
    assert_int_equal(cc.hotkey_rate_n, 2);
    assert_int_equal(cc.hotkey_rate_s, 10);
    assert_int_equal(cc.ack_timeout_ms, 5000);
    assert_false(cc.hotkey_acl_set);
    /* Default hotkey permission = write: root yes, uid 4242 no. */
    assert_true(hotkey_access(&cc, 0, 0, NULL, 0));
    assert_false(hotkey_access(&cc, 4242, 4242, NULL, 0));
    config_free(cfg);
}

static void test_config_actions(void **state)
{
    (void)state;
    struct config *cfg = load_ok("[global]\n"
                                 "hotkey.i = inject:\\e[1~\\x00A\\r\\n\\\\ | Inject stuff\n"
                                 "hotkey.s = sysrq:t | Show tasks\n"
                                 "hotkey.n = nmi\n"
                                 "hotkey.D = debug-keys:q0 | Xen state\n"
                                 "hotkey.x = xenstore:data/dump-now=1 | Ask for a dump\n"
                                 "guest_hotkeys = off\n"
                                 "hotkey_rate = 5/60\n"
                                 "ack_timeout = 1500ms\n"
                                 "hotkey = uid:4242\n");
    struct console_cfg cc;
    config_for_domain(cfg, "g", &cc);
    assert_int_equal(cc.hotkeys->n, 5);
    const struct hotkey_def *d = hotkey_cfg_find(cc.hotkeys, 'i');
    assert_non_null(d);
    assert_int_equal(d->action, HK_ACT_INJECT);
    assert_int_equal(d->arg_len, 9);
    assert_memory_equal(d->arg, "\x1b[1~\0A\r\n\\", 9);
    assert_string_equal(d->label, "Inject stuff");
    d = hotkey_cfg_find(cc.hotkeys, 's');
    assert_int_equal(d->action, HK_ACT_SYSRQ);
    assert_int_equal(d->arg[0], 't');
    d = hotkey_cfg_find(cc.hotkeys, 'n');
    assert_int_equal(d->action, HK_ACT_NMI);
    assert_string_equal(d->label, "nmi"); /* no label: the action */
    d = hotkey_cfg_find(cc.hotkeys, 'D');
    assert_int_equal(d->action, HK_ACT_DEBUG_KEYS);
    assert_string_equal(d->arg, "q0");
    d = hotkey_cfg_find(cc.hotkeys, 'x');
    assert_int_equal(d->action, HK_ACT_XENSTORE);
    assert_string_equal(d->arg, "data/dump-now");
    assert_string_equal(d->arg + d->value_off, "1");
    assert_string_equal(d->text, "xenstore:data/dump-now=1");
    assert_false(cc.guest_hotkeys);
    assert_int_equal(cc.hotkey_rate_n, 5);
    assert_int_equal(cc.hotkey_rate_s, 60);
    assert_int_equal(cc.ack_timeout_ms, 1500);
    assert_true(cc.hotkey_acl_set);
    /* The hotkey ACL is separate from write: 4242 may fire, not write. */
    assert_true(hotkey_access(&cc, 4242, 100, NULL, 0));
    assert_int_equal(console_access(&cc, 4242, 100, NULL, 0), ACCESS_NONE);
    assert_false(hotkey_access(&cc, 4243, 100, NULL, 0));
    assert_true(hotkey_access(&cc, 0, 0, NULL, 0)); /* root always */
    config_free(cfg);
}

static void test_config_domain_override(void **state)
{
    (void)state;
    struct config *cfg = load_ok("[global]\n"
                                 "hotkey.s = sysrq:t | tasks\n"
                                 "hotkey.n = nmi\n"
                                 "guest_hotkey.d = off\n"
                                 "[domain:web*]\n"
                                 "hotkey.n = off\n"
                                 "hotkey.s = sysrq:m | memory\n"
                                 "hotkey.k = inject:k\n"
                                 "guest_hotkey.d = D | Dump (renamed)\n"
                                 "guest_hotkey.x = off\n"
                                 "ack_timeout = 2\n");
    struct console_cfg cc;
    config_for_domain(cfg, "db1", &cc);
    assert_int_equal(cc.hotkeys->n, 2);
    assert_int_equal(cc.hotkeys->nrules, 1);
    assert_true(hotkey_rule_find(cc.hotkeys, 'd')->hide);
    assert_int_equal(cc.ack_timeout_ms, 5000);

    config_for_domain(cfg, "web1", &cc);
    assert_null(hotkey_cfg_find(cc.hotkeys, 'n'));
    assert_string_equal(hotkey_cfg_find(cc.hotkeys, 's')->label, "memory");
    assert_non_null(hotkey_cfg_find(cc.hotkeys, 'k'));
    assert_int_equal(cc.hotkeys->n, 2);
    const struct guest_hotkey_rule *r = hotkey_rule_find(cc.hotkeys, 'd');
    assert_false(r->hide);
    assert_int_equal(r->new_key, 'D');
    assert_string_equal(r->label, "Dump (renamed)");
    assert_true(hotkey_rule_find(cc.hotkeys, 'x')->hide);
    assert_int_equal(cc.ack_timeout_ms, 2000);
    for (unsigned i = 0; i < cc.hotkeys->n; i++)
        assert_int_not_equal(cc.hotkeys->def[i].action, HK_ACT_OFF);
    config_free(cfg);
}

/* The resolved table is shared, not copied into every console: guests
 * matching the same sections with hotkeys get the same table, others the
 * [global] one; sections without hotkeys do not split tables. */
static void test_config_tables_shared(void **state)
{
    (void)state;
    struct config *cfg = load_ok("[global]\n"
                                 "hotkey.s = sysrq:t | tasks\n"
                                 "[domain:web*]\n"
                                 "hotkey.k = inject:k\n"
                                 "[domain:*1]\n"
                                 "rate = 1000\n"
                                 "[domain:*2]\n"
                                 "hotkey.s = off\n");
    struct console_cfg a, b, c, d, e, f;
    config_for_domain(cfg, "db1", &a); /* only a section without hotkeys */
    config_for_domain(cfg, "db3", &b); /* no section */
    assert_ptr_equal(a.hotkeys, b.hotkeys);
    assert_int_equal(a.rate, 1000);
    assert_int_equal(a.hotkeys->n, 1);
    config_for_domain(cfg, "web1", &c); /* web* */
    config_for_domain(cfg, "web3", &d); /* web* */
    assert_ptr_equal(c.hotkeys, d.hotkeys);
    assert_ptr_not_equal(c.hotkeys, a.hotkeys);
    assert_int_equal(c.hotkeys->n, 2);
    assert_non_null(hotkey_cfg_find(c.hotkeys, 'k'));
    config_for_domain(cfg, "web2", &e); /* web* and *2 */
    assert_ptr_not_equal(e.hotkeys, c.hotkeys);
    assert_int_equal(e.hotkeys->n, 1);
    assert_null(hotkey_cfg_find(e.hotkeys, 's'));
    config_for_domain(cfg, "x2", &f); /* *2 alone: [global] minus s */
    assert_int_equal(f.hotkeys->n, 0);
    /* Asking again resolves to the same tables. */
    config_for_domain(cfg, "web2", &f);
    assert_ptr_equal(f.hotkeys, e.hotkeys);
    /* The [global] table itself is not changed by resolving sections. */
    config_for_domain(cfg, "db3", &f);
    assert_int_equal(f.hotkeys->n, 1);
    assert_non_null(hotkey_cfg_find(f.hotkeys, 's'));
    config_free(cfg);

    /* No hotkeys anywhere: every console shares one empty table. */
    cfg = load_ok("[domain:web*]\nrate = 5\n");
    config_for_domain(cfg, "web1", &a);
    config_for_domain(cfg, "db1", &b);
    assert_non_null(a.hotkeys);
    assert_ptr_equal(a.hotkeys, b.hotkeys);
    assert_int_equal(a.hotkeys->n + a.hotkeys->nrules, 0);
    config_free(cfg);
}

static void test_config_errors(void **state)
{
    (void)state;
    expect_error("[global]\nhotkey.r = nmi\n", 2, "bad hotkey key");
    expect_error("[global]\nhotkey.w = nmi\n", 2, "bad hotkey key");
    expect_error("[global]\nhotkey.ab = nmi\n", 2, "bad hotkey key");
    expect_error("[global]\nhotkey. = nmi\n", 2, "bad hotkey key");
    expect_error("[global]\nhotkey.? = nmi\n", 2, "bad hotkey key");
    expect_error("[global]\nhotkey.d = nmi\nhotkey.d = nmi\n", 3, "duplicate key 'hotkey.d'");
    expect_error("[global]\nhotkey.d = reboot\n", 2, "unknown action");
    expect_error("[global]\nhotkey.d = inject:\n", 2, "empty inject");
    expect_error("[global]\nhotkey.d = inject:\\xZZ\n", 2, "bad \\x escape");
    expect_error("[global]\nhotkey.d = inject:\\q\n", 2, "bad escape");
    expect_error("[global]\nhotkey.d = sysrq:\n", 2, "sysrq takes one");
    expect_error("[global]\nhotkey.d = sysrq:tt\n", 2, "sysrq takes one");
    expect_error("[global]\nhotkey.d = debug-keys:\n", 2, "debug-keys takes");
    expect_error("[global]\nhotkey.d = xenstore:/local/domain/0/x=1\n", 2, "relative-path");
    expect_error("[global]\nhotkey.d = xenstore:data/../../0=1\n", 2, "relative-path");
    expect_error("[global]\nhotkey.d = xenstore:data//x=1\n", 2, "relative-path");
    expect_error("[global]\nhotkey.d = xenstore:data/x\n", 2, "relative-path");
    expect_error("[global]\nhotkey.d = xenstore:data/x y=1\n", 2, "relative-path");
    expect_error("[global]\nhotkey.d = nmi |\n", 2, "label must be");
    char longlabel[200];
    snprintf(longlabel, sizeof(longlabel), "[global]\nhotkey.d = nmi | %065d\n", 0);
    expect_error(longlabel, 2, "label must be");
    expect_error("[global]\nhotkey.d = off | x\n", 2, "takes no label");
    expect_error("[global]\nguest_hotkey.d = r\n", 2, "expected off, or a key");
    expect_error("[global]\nguest_hotkey.d = xy\n", 2, "expected off, or a key");
    expect_error("[global]\nguest_hotkey.b = x\n", 2, "bad hotkey key");
    expect_error("[global]\nhotkey_rate = 0/10\n", 2, "bad rate");
    expect_error("[global]\nhotkey_rate = 2/0\n", 2, "bad rate");
    expect_error("[global]\nhotkey_rate = 2\n", 2, "bad rate");
    expect_error("[global]\nhotkey_rate = 2/10s\n", 2, "bad rate");
    expect_error("[global]\nack_timeout = 0\n", 2, "bad timeout");
    expect_error("[global]\nack_timeout = 50ms\n", 2, "bad timeout");
    expect_error("[global]\nack_timeout = 5m\n", 2, "bad timeout");
    expect_error("[global]\nguest_hotkeys = maybe\n", 2, "bad boolean");
    expect_error("[global]\nhotkey = nosuchuser-xyz\n", 2, "unknown user");
    /* 33 hotkeys in one section. */
    char big[4096] = "[global]\n";
    const char *keys = "0123456789ACDEGHIJKLMNOPQRSTUVWXYZ";
    for (int i = 0; i < 33; i++)
        snprintf(big + strlen(big), sizeof(big) - strlen(big), "hotkey.%c = nmi\n", keys[i]);
    expect_error(big, 34, "more than 32 hotkeys");
}

/* ---- guest registry and the merged table ------------------------------------ */

static void test_guest_parse(void **state)
{
    (void)state;
    struct guest_hotkey g;
    assert_int_equal(guest_hotkey_parse('d', "Dump", "inject", NULL, &g), 0);
    assert_int_equal(g.delivery, GUEST_DELIVERY_INJECT);
    assert_string_equal(g.callback, "");
    assert_int_equal(guest_hotkey_parse('x', "X", "xenstore", "XENBUS|", &g), 0);
    assert_int_equal(g.delivery, GUEST_DELIVERY_XENSTORE);
    assert_string_equal(g.callback, "XENBUS|");
    char l64[65], l65[66];
    memset(l64, 'a', 64);
    l64[64] = '\0';
    memset(l65, 'a', 65);
    l65[65] = '\0';
    assert_int_equal(guest_hotkey_parse('d', l64, "inject", l64, &g), 0);
    assert_int_equal(guest_hotkey_parse('d', l65, "inject", NULL, &g), -1);
    assert_int_equal(guest_hotkey_parse('d', "ok", "inject", l65, &g), -1);
    assert_int_equal(guest_hotkey_parse('d', "tab\there", "inject", NULL, &g), -1);
    assert_int_equal(guest_hotkey_parse('d', "hi\x7f", "inject", NULL, &g), -1);
    assert_int_equal(guest_hotkey_parse('d', "ok", "Inject", NULL, &g), -1);
    assert_int_equal(guest_hotkey_parse('d', NULL, "inject", NULL, &g), -1);
    assert_int_equal(guest_hotkey_parse('d', "ok", NULL, NULL, &g), -1);
    /* Reserved escape-command keys and non-alphanumerics. */
    assert_int_equal(guest_hotkey_parse('r', "ok", "inject", NULL, &g), -1);
    assert_int_equal(guest_hotkey_parse('f', "ok", "inject", NULL, &g), -1);
    assert_int_equal(guest_hotkey_parse('.', "ok", "inject", NULL, &g), -1);
    assert_int_equal(guest_hotkey_parse('R', "ok", "inject", NULL, &g), 0);
}

static void test_merge(void **state)
{
    (void)state;
    struct config *cfg = load_ok("[global]\n"
                                 "hotkey.s = sysrq:t | tasks\n"
                                 "guest_hotkey.x = off\n"
                                 "guest_hotkey.d = D | Dump all\n"
                                 "guest_hotkey.e = s\n");
    struct console_cfg cc;
    config_for_domain(cfg, "g", &cc);
    struct guest_registry reg = {0};
    guest_hotkey_parse('d', "dump", "inject", NULL, &reg.hk[reg.n++]);
    guest_hotkey_parse('x', "hidden", "inject", NULL, &reg.hk[reg.n++]);
    guest_hotkey_parse('e', "clashes with s", "xenstore", NULL, &reg.hk[reg.n++]);
    guest_hotkey_parse('s', "guest s", "xenstore", "CB", &reg.hk[reg.n++]);
    guest_hotkey_parse('q', "quick", "xenstore", "CB", &reg.hk[reg.n++]);
    struct hotkey_entry t[HOTKEY_TABLE_MAX];
    unsigned n = hotkey_merge(cc.hotkeys, true, &reg, t, HOTKEY_TABLE_MAX);
    assert_int_equal(n, 3);
    assert_int_equal(t[0].key, 's');
    assert_int_equal(t[0].source, XP_HK_SRC_CONFIG);
    assert_string_equal(t[0].action, "sysrq:t");
    assert_int_equal(t[1].key, 'D');       /* renamed */
    assert_int_equal(t[1].guest.key, 'd'); /* the guest still gets its own key */
    assert_string_equal(t[1].label, "Dump all");
    assert_int_equal(t[1].source, XP_HK_SRC_GUEST);
    assert_string_equal(t[1].action, "inject");
    assert_int_equal(t[2].key, 'q');
    assert_string_equal(t[2].action, "xenstore callback=CB");
    /* guest_hotkeys = off: only the config's. */
    assert_int_equal(hotkey_merge(cc.hotkeys, false, &reg, t, HOTKEY_TABLE_MAX), 1);
    /* max bounds the output */
    assert_int_equal(hotkey_merge(cc.hotkeys, true, &reg, t, 2), 2);
    config_free(cfg);
}

/* ---- acks, rate limit, sequence ------------------------------------------------ */

static void test_ack_parse(void **state)
{
    (void)state;
    uint32_t id;
    enum ack_status st;
    char text[HOTKEY_ACK_TEXT_MAX + 1];
    assert_int_equal(hotkey_parse_ack("17 ok", &id, &st, text, sizeof(text)), 0);
    assert_int_equal(id, 17);
    assert_int_equal(st, ACK_OK);
    assert_string_equal(text, "");
    assert_int_equal(
        hotkey_parse_ack("4294967295 error disk on fire", &id, &st, text, sizeof(text)), 0);
    assert_int_equal(id, 4294967295u);
    assert_int_equal(st, ACK_ERROR);
    assert_string_equal(text, "disk on fire");
    assert_int_equal(hotkey_parse_ack("3 unknown", &id, &st, text, sizeof(text)), 0);
    assert_int_equal(st, ACK_UNKNOWN);
    const char *bad[] = {
        "",       "ok",       "0 ok",          "01 ok",  "4294967296 ok", "12345678901 ok",
        "17  ok", "17 ok ",   "17 okay",       "17 OK",  "-1 ok",         "17",
        "17 ",    "17 ok\tx", "17 ok \x1b[2J", " 17 ok",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (hotkey_parse_ack(bad[i], &id, &st, text, sizeof(text)) == 0)
            fail_msg("accepted bad ack '%s'", bad[i]);
    char longtext[HOTKEY_ACK_TEXT_MAX + 16];
    snprintf(longtext, sizeof(longtext), "5 ok %0129d", 0);
    assert_int_equal(hotkey_parse_ack(longtext, &id, &st, text, sizeof(text)), -1);
    snprintf(longtext, sizeof(longtext), "5 ok %0128d", 0);
    assert_int_equal(hotkey_parse_ack(longtext, &id, &st, text, sizeof(text)), 0);
}

static void test_bucket(void **state)
{
    (void)state;
    struct hotkey_bucket b = {0};
    uint64_t retry = 0;
    assert_true(hotkey_bucket_take(&b, 2, 10, 1000, &retry));
    assert_true(hotkey_bucket_take(&b, 2, 10, 1000, &retry));
    assert_false(hotkey_bucket_take(&b, 2, 10, 1000, &retry));
    assert_int_equal(retry, 5000);
    assert_false(hotkey_bucket_take(&b, 2, 10, 5999, &retry));
    assert_int_equal(retry, 1);
    assert_true(hotkey_bucket_take(&b, 2, 10, 6000, &retry));
    assert_false(hotkey_bucket_take(&b, 2, 10, 6000, &retry));
    /* A long pause refills only up to the burst. */
    assert_true(hotkey_bucket_take(&b, 2, 10, 1000000, &retry));
    assert_true(hotkey_bucket_take(&b, 2, 10, 1000000, &retry));
    assert_false(hotkey_bucket_take(&b, 2, 10, 1000000, &retry));
    /* off */
    struct hotkey_bucket o = {0};
    for (int i = 0; i < 1000; i++)
        assert_true(hotkey_bucket_take(&o, 0, 0, 5, &retry));
    /* 1000 per second: no stall from rounding */
    struct hotkey_bucket f = {0};
    for (int i = 0; i < 1000; i++)
        assert_true(hotkey_bucket_take(&f, 1000, 1, 0, &retry));
    assert_false(hotkey_bucket_take(&f, 1000, 1, 0, &retry));
    assert_true(hotkey_bucket_take(&f, 1000, 1, 1, &retry));
}

static void test_sequence_roundtrip(void **state)
{
    (void)state;
    uint8_t seq[HKF_MAX_SEQ];
    size_t n = hkf_encode('d', 4294967295u, seq);
    assert_true(n > 0 && n <= HKF_MAX_SEQ);
    assert_memory_equal(seq, "\x1b_XCMUX;1;d;4294967295\x1b\\", n);
    struct hkf f;
    hkf_init(&f);
    uint8_t out[64];
    size_t outlen;
    struct hkf_hotkey hk;
    int have;
    size_t used = hkf_feed(&f, seq, n, out, &outlen, &hk, &have);
    assert_int_equal(used, n);
    assert_int_equal(have, 1);
    assert_int_equal(outlen, 0);
    assert_int_equal(hk.key, 'd');
    assert_int_equal(hk.id, 4294967295u);
    for (uint8_t k = 0; k < 0x80; k++)
        if (hotkey_key_valid(k))
            assert_true(hkf_valid_key(k));
    assert_int_equal(hotkey_key_index('0'), 0);
    assert_int_equal(hotkey_key_index('Z'), 35);
    assert_int_equal(hotkey_key_index('z'), 61);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[256 * 1024];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* The shipped sample keeps the hotkey defaults, and both it and the man
 * page document every hotkey key. */
static void test_docs(void **state)
{
    (void)state;
    struct config *cfg = NULL;
    char err[512];
    if (config_load(TOP_SRCDIR "/conf/xcmuxd.conf", &cfg, err, sizeof(err)) != 0)
        fail_msg("sample config: %s", err);
    struct console_cfg cc;
    config_for_domain(cfg, "x", &cc);
    assert_int_equal(cc.hotkeys->n, 0);
    assert_true(cc.guest_hotkeys);
    assert_int_equal(cc.hotkey_rate_n, 2);
    assert_int_equal(cc.hotkey_rate_s, 10);
    assert_int_equal(cc.ack_timeout_ms, 5000);
    assert_false(cc.hotkey_acl_set);
    config_free(cfg);
    static const char *const conf_keys[] = {
        "hotkey.t = ", "guest_hotkeys = ", "guest_hotkey.x = ",
        "hotkey = ",   "hotkey_rate = ",   "ack_timeout = ",
    };
    static const char *const man_keys[] = {
        ".B hotkey\n",           ".BI hotkey. K\n",  ".B guest_hotkeys\n",
        ".BI guest_hotkey. K\n", ".B hotkey_rate\n", ".B ack_timeout\n",
    };
    const char *conf = slurp(TOP_SRCDIR "/conf/xcmuxd.conf");
    assert_non_null(conf);
    for (size_t i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++)
        if (!strstr(conf, conf_keys[i]))
            fail_msg("conf/xcmuxd.conf does not document '%s'", conf_keys[i]);
    const char *man = slurp(TOP_SRCDIR "/man/xcmuxd.conf.5");
    assert_non_null(man);
    for (size_t i = 0; i < sizeof(man_keys) / sizeof(man_keys[0]); i++)
        if (!strstr(man, man_keys[i]))
            fail_msg("man/xcmuxd.conf.5 does not document '%s'", man_keys[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults),
        cmocka_unit_test(test_config_actions),
        cmocka_unit_test(test_config_domain_override),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_guest_parse),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_ack_parse),
        cmocka_unit_test(test_bucket),
        cmocka_unit_test(test_config_tables_shared),
        cmocka_unit_test(test_sequence_roundtrip),
        cmocka_unit_test(test_docs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
