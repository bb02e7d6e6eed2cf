/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-hotkey-core.c — the hotkey bridge (daemon/hotkey.c) on the core
 * harness: the guest registry read from xenstore (limits, invalid
 * entries, a registry too big to list), each action reaching the fake
 * xen port (inject into the input ring, sysrq, nmi, debug-keys,
 * xenstore), the outcome of a request (acked by the guest, or not within
 * ack_timeout), the per-key rate limit on the daemon's clock, the bound
 * on pending requests, and the ACL checks. Watch events are delivered by
 * calling hotkey_watch_event() as the router would.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "daemon/console.h"
#include "daemon/daemon.h"
#include "daemon/hotkey.h"
#include "daemon/hyp.h"
#include "daemon/log.h"
#include "daemon/session.h"
#include "protocol/hkfilter.h"
#include "tests/unit/core-harness.h"

#define DOM "/local/domain/1"

static int teardown(void **state)
{
    core_teardown();
    return 0;
}

static void xs_write(const char *rel, const char *value)
{
    char path[HYP_PATH_MAX];
    snprintf(path, sizeof(path), DOM "/%s", rel);
    assert_int_equal(hyp_write(xd.hyp, path, value), 0);
}

static const char *xs_read(const char *rel)
{
    static char buf[256];
    char path[HYP_PATH_MAX];
    snprintf(path, sizeof(path), DOM "/%s", rel);
    if (hyp_read(xd.hyp, path, buf, sizeof(buf)) < 0)
        return NULL;
    return buf;
}

/* The guest changed REL; the watch with TOKEN fires. */
static void xs_event(const char *rel, const char *token)
{
    char path[HYP_PATH_MAX];
    snprintf(path, sizeof(path), DOM "/%s", rel);
    assert_true(hotkey_watch_event(path, token));
    core_run();
}

/* Let real time pass for libevent's timers (the ack timeout). */
static void wait_real_ms(unsigned ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    event_base_loopexit(xd.base, &tv);
    event_base_dispatch(xd.base);
    core_run();
}

static void send_trigger(struct client *cl, uint8_t key)
{
    struct xp_trigger t = {.key = key};
    snprintf(t.ref.domain, sizeof(t.ref.domain), "web");
    uint8_t frame[XP_HDR_SIZE + 16 + XP_MAX_DOMAIN_NAME];
    client_send(cl, frame, xp_encode_trigger(frame, sizeof(frame), &t));
}

/* TRIGGER KEY: its result code, or -1 while it is pending. */
static int trigger(struct client *cl, uint8_t key)
{
    send_trigger(cl, key);
    return client_find(cl, XP_T_TRIGGER_RESULT) ? cl->msg.u.trigger_result.code : -1;
}

/* ---- actions ------------------------------------------------------------ */

static void test_inject_reaches_the_ring(void **state)
{
    core_setup("hotkey.i = inject:hi\\r | Say hi");
    struct console *c = core_guest_start(1, "web");
    struct client *viewer = client_new(), *cl = client_new();
    assert_true(client_attach(viewer, "web", XP_MODE_READ_ONLY, 0, NULL));
    client_drain(viewer);
    assert_int_equal(trigger(cl, 'i'), XP_TR_FIRED_NO_ACK);
    assert_non_null(strstr(cl->msg.u.trigger_result.text, "injected into the console input"));
    assert_string_equal(core_guest_input(c), "hi\r");
    /* The people attached are told, and the log says it. */
    assert_true(client_find_notice(viewer, XP_N_INFO));
    assert_non_null(strstr(viewer->msg.u.notice.text, "hotkey i (Say hi) fired by root"));
    assert_true(core_file_has(log_path(c->log), "hotkey i (Say hi) fired by root"));
    /* An unknown key. */
    assert_int_equal(trigger(cl, 'z'), XP_TR_UNKNOWN_KEY);
    assert_string_equal(cl->msg.u.trigger_result.text, "no hotkey 'z' on web");
    client_close(viewer);
    client_close(cl);
}

static void test_nmi_debug_keys_xenstore(void **state)
{
    core_setup("hotkey.n = nmi | NMI\nhotkey.d = debug-keys:q | Dump\n"
               "hotkey.x = xenstore:control/foo=bar\nread = *\nhotkey = uid:4242");
    core_guest_start(1, "web");
    struct client *cl = client_new();
    assert_int_equal(trigger(cl, 'n'), XP_TR_FIRED_NO_ACK);
    assert_non_null(strstr(cl->msg.u.trigger_result.text, "NMI sent"));
    assert_int_equal(fake_nmi_sent(xd.hyp, 1), 1);
    const char *keys;
    assert_int_equal(trigger(cl, 'd'), XP_TR_FIRED_NO_ACK);
    assert_int_equal(fake_debug_keys_sent(xd.hyp, &keys), 1);
    assert_string_equal(keys, "q");
    assert_int_equal(trigger(cl, 'x'), XP_TR_FIRED_NO_ACK);
    assert_string_equal(xs_read("control/foo"), "bar");
    /* A user of the hotkey ACL fires nmi, but debug-keys is the admin's;
     * one outside it fires nothing. */
    struct client *u = client_new();
    client_as(u, 4242);
    assert_int_equal(trigger(u, 'n'), XP_TR_FIRED_NO_ACK);
    assert_int_equal(fake_nmi_sent(xd.hyp, 1), 2);
    assert_int_equal(trigger(u, 'd'), XP_TR_DENIED);
    assert_non_null(strstr(u->msg.u.trigger_result.text, "admin only"));
    assert_int_equal(fake_debug_keys_sent(xd.hyp, NULL), 1);
    struct client *o = client_new();
    client_as(o, 4343);
    assert_int_equal(trigger(o, 'n'), XP_TR_DENIED);
    assert_string_equal(o->msg.u.trigger_result.text, "u4343 may not fire hotkeys on web");
    assert_int_equal(fake_nmi_sent(xd.hyp, 1), 2);
    client_close(cl);
    client_close(u);
    client_close(o);
}

/* sysrq: control/sysrq is written; the guest emptying it is the ack. */
static void test_sysrq_acked_when_emptied(void **state)
{
    core_setup("hotkey.t = sysrq:t | Tasks");
    core_guest_start(1, "web");
    struct client *cl = client_new();
    assert_int_equal(trigger(cl, 't'), -1);
    assert_string_equal(xs_read("control/sysrq"), "t");
    /* Our own write fires the watch too: not an ack. */
    xs_event("control/sysrq", "y1/0");
    assert_false(client_find(cl, XP_T_TRIGGER_RESULT));
    xs_write("control/sysrq", "");
    xs_event("control/sysrq", "y1/0");
    assert_true(client_find(cl, XP_T_TRIGGER_RESULT));
    assert_int_equal(cl->msg.u.trigger_result.code, XP_TR_FIRED_ACKED);
    assert_non_null(strstr(cl->msg.u.trigger_result.text, "acknowledged (sysrq handled)"));
    client_close(cl);
}

/* ---- the guest registry and acks ------------------------------------------- */

static void registry_add(char key, const char *label, const char *delivery)
{
    char rel[96];
    snprintf(rel, sizeof(rel), "data/xcmux/hotkeys/%c/label", key);
    xs_write(rel, label);
    snprintf(rel, sizeof(rel), "data/xcmux/hotkeys/%c/delivery", key);
    xs_write(rel, delivery);
}

static unsigned table_rows(struct console *c, uint8_t want, bool *found)
{
    struct hotkey_entry t[HOTKEY_TABLE_MAX];
    unsigned n = hotkey_table(c, t, HOTKEY_TABLE_MAX);
    *found = false;
    for (unsigned i = 0; i < n; i++)
        if (t[i].key == want)
            *found = true;
    return n;
}

static struct console *guest_with_registry(const char *config)
{
    core_setup(config);
    struct console *c = core_guest_start(1, "web");
    xs_write("data/xcmux/hotkeys/version", "1");
    registry_add('g', "Dump state", "xenstore");
    registry_add('k', "Kick", "inject");
    xs_event("data/xcmux/hotkeys", "h1/0");
    return c;
}

/* The guest's "ok" ack ends the request as acked; a stale id does not. */
static void test_guest_xenstore_hotkey_acked(void **state)
{
    struct console *c = guest_with_registry(NULL);
    bool found;
    assert_int_equal(table_rows(c, 'g', &found), 2);
    assert_true(found);
    assert_true(core_file_has(log_path(c->log), "guest registered 2 hotkeys"));
    struct client *cl = client_new();
    assert_int_equal(trigger(cl, 'g'), -1);
    const char *req = xs_read("data/xcmux/request");
    assert_non_null(req);
    unsigned id;
    assert_int_equal(sscanf(req, "g %u", &id), 1);
    char ack[64];
    snprintf(ack, sizeof(ack), "%u ok", id + 1000);
    xs_write("data/xcmux/ack", ack);
    xs_event("data/xcmux/ack", "a1/0");
    assert_false(client_find(cl, XP_T_TRIGGER_RESULT));
    snprintf(ack, sizeof(ack), "%u ok dumped", id);
    xs_write("data/xcmux/ack", ack);
    xs_event("data/xcmux/ack", "a1/0");
    assert_true(client_find(cl, XP_T_TRIGGER_RESULT));
    assert_int_equal(cl->msg.u.trigger_result.code, XP_TR_FIRED_ACKED);
    assert_non_null(strstr(cl->msg.u.trigger_result.text, "acknowledged (ok: dumped)"));
    client_close(cl);
}

/* An inject-delivered guest hotkey writes the encoded sequence into the
 * ring; without an ack within ack_timeout it ends as fired, not acked. */
static void test_guest_inject_hotkey_times_out(void **state)
{
    struct console *c = guest_with_registry("ack_timeout = 100ms");
    struct client *cl = client_new();
    assert_int_equal(trigger(cl, 'k'), -1);
    char in[64];
    size_t n = fake_guest_read(c->page, in, sizeof(in));
    struct hkf f;
    hkf_init(&f);
    uint8_t out[64 + HKF_MAX_SEQ];
    size_t outlen = 0;
    struct hkf_hotkey hk;
    int have = 0;
    hkf_feed(&f, (const uint8_t *)in, n, out, &outlen, &hk, &have);
    assert_int_equal(have, 1);
    assert_int_equal(hk.key, 'k');
    wait_real_ms(300);
    assert_true(client_find(cl, XP_T_TRIGGER_RESULT));
    assert_int_equal(cl->msg.u.trigger_result.code, XP_TR_FIRED_NO_ACK);
    assert_non_null(
        strstr(cl->msg.u.trigger_result.text, "no acknowledgement from the guest within 100 ms"));
    /* The late ack is stale now: nothing more is sent. */
    char ack[64];
    snprintf(ack, sizeof(ack), "%u ok", (unsigned)hk.id);
    xs_write("data/xcmux/ack", ack);
    xs_event("data/xcmux/ack", "a1/0");
    assert_int_equal(client_next(cl), -1);
    client_close(cl);
}

/* Hostile registries: past HOTKEY_GUEST_MAX valid keys the rest is
 * ignored; bad labels, deliveries and multi-character names are ignored;
 * the log says so once. */
static void test_registry_limits(void **state)
{
    core_setup(NULL);
    struct console *c = core_guest_start(1, "web");
    xs_write("data/xcmux/hotkeys/version", "1");
    /* The invalid ones are listed first, so they are read before the
     * limit is reached. */
    registry_add('0', "bad\x01label", "inject");
    registry_add('1', "x", "carrier-pigeon");
    xs_write("data/xcmux/hotkeys/long/label", "x");
    const char *keys = "acdeghijklmnopqstuvxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    unsigned valid = 0;
    for (const char *k = keys; *k && valid < HOTKEY_GUEST_MAX + 5; k++, valid++)
        registry_add(*k, "ok", "inject");
    xs_event("data/xcmux/hotkeys", "h1/0");
    bool found;
    assert_int_equal(table_rows(c, '0', &found), HOTKEY_GUEST_MAX);
    assert_false(found);
    assert_true(core_file_has(log_path(c->log),
                              "guest hotkey registry: 3 invalid entries ignored, 5 over the limit "
                              "of 32"));
    assert_true(core_file_has(log_path(c->log), "guest registered 32 hotkeys"));
    /* A version other than 1: no guest hotkeys at all. */
    xs_write("data/xcmux/hotkeys/version", "2");
    core_clock_ms += HOTKEY_REREAD_MS;
    xs_event("data/xcmux/hotkeys", "h1/0");
    assert_int_equal(table_rows(c, 'a', &found), 0);
}

/* A registry too big to list is looked up key by key. */
static void test_registry_unlistable_probed(void **state)
{
    core_setup(NULL);
    struct console *c = core_guest_start(1, "web");
    xs_write("data/xcmux/hotkeys/version", "1");
    registry_add('q', "Quit", "xenstore");
    fake_directory_fail(xd.hyp, E2BIG);
    xs_event("data/xcmux/hotkeys", "h1/0");
    fake_directory_fail(xd.hyp, 0);
    bool found;
    assert_int_equal(table_rows(c, 'q', &found), 1);
    assert_true(found);
    assert_true(core_file_has(log_path(c->log), "guest hotkey registry cannot be listed"));
}

/* Watch events are coalesced: a second change within HOTKEY_REREAD_MS
 * of the daemon's clock is read once that time has passed. */
static void test_registry_reread_coalesced(void **state)
{
    struct console *c = guest_with_registry(NULL);
    bool found;
    /* First use reads the registry and sets its watch (hotkey.h). */
    assert_int_equal(table_rows(c, 'g', &found), 2);
    registry_add('m', "More", "inject");
    xs_event("data/xcmux/hotkeys", "h1/0");
    xs_event("data/xcmux/hotkeys", "h1/0");
    assert_int_equal(table_rows(c, 'm', &found), 2);
    assert_false(found);
    wait_real_ms(HOTKEY_REREAD_MS + 200);
    assert_int_equal(table_rows(c, 'm', &found), 3);
    assert_true(found);
}

/* ---- limits ----------------------------------------------------------------- */

/* hotkey_rate 2/10: a burst of two, then one every five seconds of the
 * daemon's clock. */
static void test_rate_limit(void **state)
{
    core_setup("hotkey.n = nmi\nhotkey_rate = 2/10");
    core_guest_start(1, "web");
    struct client *cl = client_new();
    assert_int_equal(trigger(cl, 'n'), XP_TR_FIRED_NO_ACK);
    assert_int_equal(trigger(cl, 'n'), XP_TR_FIRED_NO_ACK);
    assert_int_equal(trigger(cl, 'n'), XP_TR_DENIED);
    assert_non_null(strstr(cl->msg.u.trigger_result.text, "rate limited (2 per 10 s)"));
    assert_int_equal(fake_nmi_sent(xd.hyp, 1), 2);
    core_clock_ms += 5000;
    assert_int_equal(trigger(cl, 'n'), XP_TR_FIRED_NO_ACK);
    assert_int_equal(trigger(cl, 'n'), XP_TR_DENIED);
    assert_int_equal(fake_nmi_sent(xd.hyp, 1), 3);
    client_close(cl);
}

/* At most HOTKEY_PENDING_MAX requests wait per console. */
static void test_pending_cap(void **state)
{
    core_setup("hotkey.t = sysrq:t\nhotkey_rate = off");
    core_guest_start(1, "web");
    struct client *cl = client_new();
    assert_true(client_attach(cl, "web", XP_MODE_READ_WRITE, 0, NULL));
    client_drain(cl);
    for (int i = 0; i < HOTKEY_PENDING_MAX; i++)
        client_send_input(cl, "\x1dt");
    client_drain(cl);
    client_send_input(cl, "\x1dt");
    assert_true(client_find_notice(cl, XP_N_INFO));
    assert_string_equal(cl->msg.u.notice.text, "too many hotkey requests pending on web");
    /* The guest handles them: room again. */
    xs_write("control/sysrq", "");
    xs_event("control/sysrq", "y1/0");
    client_drain(cl);
    client_send_input(cl, "\x1dt");
    assert_true(client_find_notice(cl, XP_N_INFO));
    assert_non_null(strstr(cl->msg.u.notice.text, "sysrq written"));
    client_close(cl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_inject_reaches_the_ring, teardown),
        cmocka_unit_test_teardown(test_nmi_debug_keys_xenstore, teardown),
        cmocka_unit_test_teardown(test_sysrq_acked_when_emptied, teardown),
        cmocka_unit_test_teardown(test_guest_xenstore_hotkey_acked, teardown),
        cmocka_unit_test_teardown(test_guest_inject_hotkey_times_out, teardown),
        cmocka_unit_test_teardown(test_registry_limits, teardown),
        cmocka_unit_test_teardown(test_registry_unlistable_probed, teardown),
        cmocka_unit_test_teardown(test_registry_reread_coalesced, teardown),
        cmocka_unit_test_teardown(test_rate_limit, teardown),
        cmocka_unit_test_teardown(test_pending_cap, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
