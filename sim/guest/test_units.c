// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the guest host's pure parts: the xenstore ring client's
 * framing and parsing, the console ring, the shell line editor, the
 * control request codec and the hotkey registry, request and dump text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/guest/conring.h"
#include "sim/guest/ctlproto.h"
#include "sim/guest/hotkeys.h"
#include "sim/guest/shell.h"
#include "sim/guest/xsring.h"

/* ---- a fake xenstored on the other side of the ring -------------------- */

static struct xenstore_domain_interface page;
static int notifies;

static void count_notify(void *ctx)
{
    notifies++;
}

/* Pop one whole request from req[]; returns payload length or -1. */
static int server_take(struct xsd_sockmsg *hdr, char *payload, size_t max)
{
    uint32_t avail = page.req_prod - page.req_cons;
    if (avail < sizeof(*hdr))
        return -1;
    char raw[XSR_MSG_MAX];
    for (uint32_t i = 0; i < sizeof(*hdr); i++)
        raw[i] = page.req[MASK_XENSTORE_IDX(page.req_cons + i)];
    memcpy(hdr, raw, sizeof(*hdr));
    if (avail < sizeof(*hdr) + hdr->len || hdr->len > max)
        return -1;
    for (uint32_t i = 0; i < hdr->len; i++)
        payload[i] = page.req[MASK_XENSTORE_IDX(page.req_cons + sizeof(*hdr) + i)];
    page.req_cons += sizeof(*hdr) + hdr->len;
    return (int)hdr->len;
}

static void server_put_bytes(const void *buf, size_t len)
{
    const char *p = buf;
    for (size_t i = 0; i < len; i++)
        page.rsp[MASK_XENSTORE_IDX(page.rsp_prod + i)] = p[i];
    page.rsp_prod += (uint32_t)len;
}

static void server_reply(uint32_t type, uint32_t req_id, const char *payload, uint32_t len)
{
    struct xsd_sockmsg hdr = {.type = type, .req_id = req_id, .len = len};
    server_put_bytes(&hdr, sizeof(hdr));
    server_put_bytes(payload, len);
}

struct reply_log {
    int calls;
    uint32_t type;
    char payload[64];
    uint32_t len;
};

static void log_reply(void *ctx, uint32_t type, const char *payload, uint32_t len)
{
    struct reply_log *r = ctx;
    r->calls++;
    r->type = type;
    r->len = len;
    memcpy(r->payload, payload, len < sizeof(r->payload) ? len : sizeof(r->payload));
    /* the client promises a terminating NUL after the payload */
    assert_int_equal(payload[len], '\0');
}

static char watch_path[64], watch_token[64];
static int watch_calls;

static void log_watch(void *ctx, const char *path, const char *token)
{
    watch_calls++;
    snprintf(watch_path, sizeof(watch_path), "%s", path);
    snprintf(watch_token, sizeof(watch_token), "%s", token);
}

static int reset_ring(void **state)
{
    memset(&page, 0, sizeof(page));
    notifies = 0;
    watch_calls = 0;
    return 0;
}

static void test_xsr_write_framing(void **state)
{
    struct xsr_client c;
    struct reply_log r = {0};
    xsr_init(&c, &page, count_notify, log_watch, NULL);
    assert_int_equal(xsr_write(&c, "data/booted", "1", log_reply, &r), 0);
    assert_int_equal(xsr_service(&c), 0);
    assert_int_equal(notifies, 1);

    struct xsd_sockmsg hdr;
    char payload[64];
    assert_int_equal(server_take(&hdr, payload, sizeof(payload)), 13);
    assert_int_equal(hdr.type, XS_WRITE);
    assert_int_equal(hdr.tx_id, 0);
    /* path NUL value, no NUL after the value */
    assert_memory_equal(payload,
                        "data/booted\0"
                        "1",
                        13);

    server_reply(XS_WRITE, hdr.req_id, "OK", 3);
    assert_int_equal(xsr_service(&c), 1);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.type, XS_WRITE);
    assert_string_equal(r.payload, "OK");
    assert_int_equal(page.rsp_cons, page.rsp_prod);
    assert_false(xsr_broken(&c));
}

static void test_xsr_read_error_and_watch(void **state)
{
    struct xsr_client c;
    struct reply_log rd = {0}, wr = {0};
    xsr_init(&c, &page, count_notify, log_watch, NULL);
    assert_int_equal(xsr_read(&c, "control/sysrq", log_reply, &rd), 0);
    assert_int_equal(xsr_watch(&c, "control/sysrq", "sysrq", log_reply, &wr), 0);
    xsr_service(&c);

    struct xsd_sockmsg h1, h2;
    char p[64];
    assert_int_equal(server_take(&h1, p, sizeof(p)), 14);
    assert_int_equal(h1.type, XS_READ);
    assert_memory_equal(p, "control/sysrq", 14);
    assert_int_equal(server_take(&h2, p, sizeof(p)), 20);
    assert_int_equal(h2.type, XS_WATCH);
    assert_memory_equal(p, "control/sysrq\0sysrq", 20);
    assert_int_not_equal(h1.req_id, h2.req_id);

    /* replies out of order, then a watch event (req_id 0) */
    server_reply(XS_WATCH, h2.req_id, "OK", 3);
    server_reply(XS_ERROR, h1.req_id, "ENOENT", 7);
    server_reply(XS_WATCH_EVENT, 0, "control/sysrq\0sysrq", 20);
    assert_int_equal(xsr_service(&c), 3);
    assert_int_equal(rd.type, XS_ERROR);
    assert_string_equal(rd.payload, "ENOENT");
    assert_int_equal(wr.type, XS_WATCH);
    assert_int_equal(watch_calls, 1);
    assert_string_equal(watch_path, "control/sysrq");
    assert_string_equal(watch_token, "sysrq");
}

static void test_xsr_reply_split_across_wrap(void **state)
{
    struct xsr_client c;
    struct reply_log r = {0};
    /* start near the end of the ring so everything wraps */
    page.req_cons = page.req_prod = 1020;
    page.rsp_cons = page.rsp_prod = 1015;
    xsr_init(&c, &page, count_notify, log_watch, NULL);
    assert_int_equal(xsr_read(&c, "name", log_reply, &r), 0);
    xsr_service(&c);
    struct xsd_sockmsg hdr;
    char p[64];
    assert_int_equal(server_take(&hdr, p, sizeof(p)), 5);
    assert_string_equal(p, "name");

    /* deliver the reply in three pieces, as a slow server might */
    struct xsd_sockmsg rh = {.type = XS_READ, .req_id = hdr.req_id, .len = 6};
    char msg[sizeof(rh) + 6];
    memcpy(msg, &rh, sizeof(rh));
    memcpy(msg + sizeof(rh), "guest1", 6);
    server_put_bytes(msg, 7);
    assert_int_equal(xsr_service(&c), 0);
    server_put_bytes(msg + 7, 12);
    assert_int_equal(xsr_service(&c), 0);
    assert_int_equal(r.calls, 0);
    server_put_bytes(msg + 19, sizeof(msg) - 19);
    assert_int_equal(xsr_service(&c), 1);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.len, 6);
    assert_memory_equal(r.payload, "guest1", 6);
}

static void test_xsr_large_request_waits_for_space(void **state)
{
    struct xsr_client c;
    xsr_init(&c, &page, count_notify, log_watch, NULL);
    char value[3000];
    memset(value, 'v', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    assert_int_equal(xsr_write(&c, "data/big", value, NULL, NULL), 0);
    xsr_service(&c);
    assert_int_equal(page.req_prod - page.req_cons, XENSTORE_RING_SIZE);
    /* the server consumes; the rest follows on the next event */
    char all[4096];
    size_t got = 0;
    while (got < sizeof(struct xsd_sockmsg) + 9 + 2999) {
        uint32_t avail = page.req_prod - page.req_cons;
        assert_true(avail > 0);
        for (uint32_t i = 0; i < avail; i++)
            all[got++] = page.req[MASK_XENSTORE_IDX(page.req_cons + i)];
        page.req_cons += avail;
        xsr_service(&c);
    }
    struct xsd_sockmsg hdr;
    memcpy(&hdr, all, sizeof(hdr));
    assert_int_equal(hdr.len, 9 + 2999);
    assert_memory_equal(all + sizeof(hdr), "data/big", 9);
    assert_int_equal(all[sizeof(hdr) + 9 + 2998], 'v');
}

static void test_xsr_hostile_peer(void **state)
{
    struct xsr_client c;
    xsr_init(&c, &page, count_notify, log_watch, NULL);
    page.rsp_prod = 5000; /* claims more than the ring holds */
    assert_int_equal(xsr_service(&c), -1);
    assert_true(xsr_broken(&c));
    assert_int_equal(page.rsp_cons, 0);
    assert_int_equal(xsr_write(&c, "a", "b", NULL, NULL), -1);

    reset_ring(state);
    xsr_init(&c, &page, count_notify, log_watch, NULL);
    struct xsd_sockmsg big = {.type = XS_READ, .req_id = 1, .len = XENSTORE_PAYLOAD_MAX + 1};
    server_put_bytes(&big, sizeof(big));
    assert_int_equal(xsr_service(&c), -1);
    assert_true(xsr_broken(&c));

    reset_ring(state);
    xsr_init(&c, &page, count_notify, log_watch, NULL);
    server_reply(XS_READ, 77, "x", 1); /* nobody asked */
    assert_int_equal(xsr_service(&c), -1);
    assert_true(xsr_broken(&c));

    reset_ring(state);
    xsr_init(&c, &page, count_notify, log_watch, NULL);
    page.req_cons = 4000; /* consumer ahead of what we produced */
    assert_int_equal(xsr_write(&c, "a", "b", NULL, NULL), 0);
    assert_int_equal(xsr_service(&c), -1);
    assert_int_equal(page.req_prod, 0);
}

static void test_xsr_limits(void **state)
{
    struct xsr_client c;
    xsr_init(&c, &page, count_notify, log_watch, NULL);
    char huge[XENSTORE_PAYLOAD_MAX + 8];
    memset(huge, 'h', sizeof(huge) - 1);
    huge[sizeof(huge) - 1] = '\0';
    assert_int_equal(xsr_write(&c, "p", huge, NULL, NULL), -1);
    for (unsigned i = 0; i < XSR_MAX_INFLIGHT; i++)
        assert_int_equal(xsr_read(&c, "p", NULL, NULL), 0);
    assert_int_equal(xsr_read(&c, "p", NULL, NULL), -1);
}

/* ---- console ring --------------------------------------------------------- */

static struct xencons_interface cons_page;

static void test_conring_write_wrap_and_full(void **state)
{
    memset(&cons_page, 0, sizeof(cons_page));
    cons_page.out_cons = cons_page.out_prod = 2040;
    struct conring r;
    conring_init(&r, &cons_page);
    assert_int_equal(conring_write(&r, "0123456789abcdef", 16), 16);
    assert_int_equal(cons_page.out_prod, 2056);
    assert_memory_equal(cons_page.out + 2040, "01234567", 8);
    assert_memory_equal(cons_page.out, "89abcdef", 8);

    char big[4096];
    memset(big, 'x', sizeof(big));
    assert_int_equal(conring_write(&r, big, sizeof(big)), 2048 - 16);
    assert_int_equal(conring_space(&r), 0);
    assert_int_equal(conring_write(&r, "y", 1), 0);
    cons_page.out_cons += 100;
    assert_int_equal(conring_write(&r, big, sizeof(big)), 100);
}

static void test_conring_hostile_backend(void **state)
{
    memset(&cons_page, 0, sizeof(cons_page));
    struct conring r;
    conring_init(&r, &cons_page);
    cons_page.out_cons = 12345; /* beyond what we produced */
    assert_int_equal(conring_write(&r, "abc", 3), 0);
    assert_int_equal(r.corrupt, 1);
    /* the backend scribbling our published index changes nothing */
    cons_page.out_cons = 0;
    cons_page.out_prod = 999;
    assert_int_equal(conring_write(&r, "abc", 3), 3);
    assert_int_equal(cons_page.out_prod, 3);

    cons_page.in_prod = 5000; /* claims more than in[] holds */
    char buf[2048];
    assert_int_equal(conring_read(&r, buf, sizeof(buf)), 0);
    assert_int_equal(cons_page.in_cons, 5000);
    assert_int_equal(r.corrupt, 2);
}

static void test_conring_read_wrap(void **state)
{
    memset(&cons_page, 0, sizeof(cons_page));
    cons_page.in_cons = cons_page.in_prod = 1020;
    struct conring r;
    conring_init(&r, &cons_page);
    const char *msg = "hello world";
    for (int i = 0; i < 11; i++)
        cons_page.in[(1020 + i) & 1023] = msg[i];
    cons_page.in_prod += 11;
    char buf[32] = {0};
    assert_int_equal(conring_read(&r, buf, 5), 5);
    assert_int_equal(conring_read(&r, buf + 5, sizeof(buf)), 6);
    assert_string_equal(buf, "hello world");
    assert_int_equal(cons_page.in_cons, 1031);
    assert_int_equal(conring_read(&r, buf, sizeof(buf)), 0);
}

/* ---- shell ---------------------------------------------------------------- */

static char shout[8192];
static size_t shout_len;

static void shell_capture(void *ctx, const char *buf, size_t len)
{
    assert_true(shout_len + len < sizeof(shout));
    memcpy(shout + shout_len, buf, len);
    shout_len += len;
    shout[shout_len] = '\0';
}

static void feed(struct shell *sh, const char *s)
{
    shout_len = 0;
    shout[0] = '\0';
    shell_input(sh, s, strlen(s), 3600 * 5 + 61, 60);
}

static void test_shell_commands(void **state)
{
    struct shell sh;
    shell_init(&sh, "vm1", shell_capture, NULL);
    feed(&sh, "echo  hi there\r");
    assert_string_equal(shout, "echo  hi there\r\nhi there\r\nvm1:~# ");
    feed(&sh, "hostname\n");
    assert_string_equal(shout, "hostname\r\nvm1\r\nvm1:~# ");
    feed(&sh, "frob x\r\n"); /* CRLF is one Enter */
    assert_string_equal(shout, "frob x\r\nsh: frob: not found\r\nvm1:~# ");
    feed(&sh, "\r");
    assert_string_equal(shout, "\r\nvm1:~# ");
    feed(&sh, "uptime\r");
    assert_string_equal(shout, "uptime\r\n 05:01:01 up 5:00:01,  1 user,  "
                               "load average: 0.00, 0.00, 0.00\r\nvm1:~# ");
    assert_int_equal(sh.commands, 4);
}

static void test_shell_editing(void **state)
{
    struct shell sh;
    shell_init(&sh, "vm1", shell_capture, NULL);
    feed(&sh, "ecx\x7fho ok\r");
    assert_string_equal(shout, "ecx\b \bho ok\r\nok\r\nvm1:~# ");
    feed(&sh, "\x7f"); /* nothing to erase */
    assert_string_equal(shout, "");
    feed(&sh, "junk\x03");
    assert_string_equal(shout, "junk^C\r\nvm1:~# ");
    feed(&sh, "\x1b[A"); /* ESC is dropped; "[A" is text */
    assert_string_equal(shout, "[A");
    feed(&sh, "\x15\r");
    assert_string_equal(shout, "\r\nsh: [A: not found\r\nvm1:~# ");

    char line[600];
    memset(line, 'a', sizeof(line));
    shout_len = 0;
    shell_input(&sh, line, sizeof(line), 0, 0);
    assert_int_equal(sh.len, SHELL_LINE_MAX - 1);
    assert_int_equal(shout_len, (SHELL_LINE_MAX - 1) + (600 - (SHELL_LINE_MAX - 1)));
    assert_int_equal(shout[shout_len - 1], '\a');
}

static void test_shell_output_bound(void **state)
{
    struct shell sh;
    char name[SHELL_NAME_MAX];
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    shell_init(&sh, name, shell_capture, NULL);
    char line[SHELL_LINE_MAX];
    memcpy(line, "echo ", 5);
    memset(line + 5, 'e', sizeof(line) - 5);
    shell_input(&sh, line, SHELL_LINE_MAX - 1, 0, 0);
    feed(&sh, "\r");
    assert_true(shout_len <= SHELL_MAX_OUTPUT_PER_BYTE);
}

/* ---- control codec -------------------------------------------------------- */

static void test_ctl_roundtrip(void **state)
{
    char *in[] = {"create", "a b", "", "50%", "tab\there", "ünï"};
    char line[256];
    int n = ctl_encode(6, in, line, sizeof(line));
    assert_true(n > 0);
    assert_string_equal(line, "create a%20b % 50%25 tab%09here ünï");
    char *out[8];
    assert_int_equal(ctl_split(line, out, 8), 6);
    for (int i = 0; i < 6; i++)
        assert_string_equal(out[i], in[i]);
}

static void test_ctl_malformed(void **state)
{
    char *argv[4];
    char l1[] = "create %zz";
    assert_int_equal(ctl_split(l1, argv, 4), -1);
    char l2[] = "create %00";
    assert_int_equal(ctl_split(l2, argv, 4), -1);
    char l3[] = "a b c d e";
    assert_int_equal(ctl_split(l3, argv, 4), -1);
    char l4[] = "trailing %4";
    assert_int_equal(ctl_split(l4, argv, 4), -1);
    char l5[] = "ctl\x01x";
    assert_int_equal(ctl_split(l5, argv, 4), -1);
    char l6[] = "  list  ";
    assert_int_equal(ctl_split(l6, argv, 4), 1);
    assert_string_equal(argv[0], "list");
    char small[8];
    char *big[] = {"create", "verylongname"};
    assert_int_equal(ctl_encode(2, big, small, sizeof(small)), -1);
}

static void test_ctl_names_and_targets(void **state)
{
    uint32_t id = 0;
    assert_true(ctl_valid_name("web-1.example_2"));
    assert_false(ctl_valid_name(""));
    assert_false(ctl_valid_name("123"));
    assert_false(ctl_valid_name("-x"));
    assert_false(ctl_valid_name("a b"));
    assert_false(ctl_valid_name("a/b"));
    char longname[GUEST_NAME_MAX + 2];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_false(ctl_valid_name(longname));
    assert_int_equal(ctl_parse_target("42", &id), 1);
    assert_int_equal(id, 42);
    assert_int_equal(ctl_parse_target("vm1", &id), 0);
    assert_int_equal(ctl_parse_target("99999999999999999999", &id), -1);
    assert_int_equal(ctl_parse_target("bad name", &id), -1);
}

static void test_ctl_parse_create(void **state)
{
    struct guest_spec s;
    char err[128];
    char *ok[] = {"vm",          "--echo", "--say",         "hi\\tthere\\e[1m\\x41",
                  "--flood",     "max",    "--every",       "250",
                  "--line",      "tick",   "--count",       "3",
                  "--secondary", "2",      "--linux-sysrq", "--no-boot-text"};
    assert_int_equal(ctl_parse_create(16, ok, &s, err, sizeof(err)), 0);
    assert_string_equal(s.name, "vm");
    assert_true(s.echo && s.flood && s.flood_max && s.linux_sysrq && s.no_boot_text);
    assert_int_equal(s.say_len, 13);
    assert_memory_equal(s.say, "hi\tthere\x1b[1mA", 13);
    assert_int_equal(s.every_ms, 250);
    assert_string_equal(s.line, "tick");
    assert_int_equal(s.count, 3);
    assert_int_equal(s.secondary, 2);
    char desc[128];
    ctl_describe(&s, desc, sizeof(desc));
    assert_string_equal(desc, "echo,say,no-boot-text,flood=max,every=250,"
                              "secondary=2,linux-sysrq");

    char *rate[] = {"vm", "--flood", "8000"};
    assert_int_equal(ctl_parse_create(3, rate, &s, err, sizeof(err)), 0);
    assert_int_equal(s.flood_rate, 8000);
    assert_false(s.flood_max);
    ctl_describe(&s, desc, sizeof(desc));
    assert_string_equal(desc, "flood=8000");
    char *plain[] = {"vm"};
    assert_int_equal(ctl_parse_create(1, plain, &s, err, sizeof(err)), 0);
    ctl_describe(&s, desc, sizeof(desc));
    assert_string_equal(desc, "-");

    char *bad[][3] = {
        {"vm", "--flood", "0"},     {"vm", "--flood", "fast"},  {"vm", "--every", "0"},
        {"vm", "--count", "0"},     {"vm", "--count", "99999"}, {"vm", "--secondary", "15"},
        {"vm", "--say", "bad\\q"},  {"vm", "--bogus", "1"},     {"vm", "--line", "x"},
        {"12", "--echo", "--echo"}, {"vm", "--every", "-5"},    {"vm", "--count", "1x"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(ctl_parse_create(3, bad[i], &s, err, sizeof(err)), -1);
        assert_true(err[0] != '\0');
    }
    char *missing[] = {"vm", "--say"};
    assert_int_equal(ctl_parse_create(2, missing, &s, err, sizeof(err)), -1);
    char longsay[GUEST_TEXT_MAX + 10];
    memset(longsay, 's', sizeof(longsay) - 1);
    longsay[sizeof(longsay) - 1] = '\0';
    char *toolong[] = {"vm", "--say", longsay};
    assert_int_equal(ctl_parse_create(3, toolong, &s, err, sizeof(err)), -1);
}

static void test_ctl_parse_hotkey_options(void **state)
{
    struct guest_spec s;
    char err[128], desc[160];
    char *ok[] = {"w",    "--xencons-debug", "--hotkeys-count", "100000", "--hotkey-label-len",
                  "4000", "--no-ack",        "--ack-delay",     "250"};
    assert_int_equal(ctl_parse_create(9, ok, &s, err, sizeof(err)), 0);
    assert_true(s.xencons_debug && s.echo && s.has_hotkeys_count && s.no_ack);
    assert_int_equal(s.hotkeys_count, 100000);
    assert_int_equal(s.hotkey_label_len, 4000);
    assert_int_equal(s.ack_delay_ms, 250);
    ctl_describe(&s, desc, sizeof(desc));
    assert_string_equal(desc, "echo,xencons-debug,hotkeys=100000,label-len=4000,"
                              "no-ack,ack-delay=250");
    char *bad[][4] = {
        {"w", "--no-ack", "--echo", "--echo"},
        {"w", "--ack-delay", "5", "--echo"},
        {"w", "--xencons-debug", "--hotkeys-count", "100001"},
        {"w", "--xencons-debug", "--hotkey-label-len", "0"},
        {"w", "--xencons-debug", "--hotkey-label-len", "4001"},
        {"w", "--xencons-debug", "--ack-delay", "600001"},
        {"w", "--hotkeys-count", "3", "--echo"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(ctl_parse_create(4, bad[i], &s, err, sizeof(err)), -1);
        assert_true(err[0] != '\0');
    }
}

static void test_hk_registry(void **state)
{
    struct guest_spec s = {.xencons_debug = true};
    struct hk_def d;
    assert_int_equal(hk_registry_size(&s), 3);
    hk_registry_entry(&s, 0, &d);
    assert_string_equal(d.name, "d");
    assert_string_equal(d.callback, "");
    assert_int_equal(d.delivery, HK_INJECT);
    assert_true(hk_lookup(&s, 's', &d));
    assert_string_equal(d.callback, "XENBUS|STORE");
    assert_true(hk_lookup(&s, 'x', &d));
    assert_int_equal(d.delivery, HK_XENSTORE);
    assert_false(hk_lookup(&s, '0', &d));
    assert_false(hk_lookup(&s, 0, &d));
    assert_false(hk_lookup(&s, '|', &d));

    /* The order: 62 distinct keys, reserved ones last, then invalid names. */
    assert_int_equal(strlen(HK_KEY_ORDER), HK_SINGLE_KEYS);
    for (size_t i = 0; i < HK_SINGLE_KEYS; i++)
        assert_ptr_equal(strchr(HK_KEY_ORDER, HK_KEY_ORDER[i]), HK_KEY_ORDER + i);
    assert_string_equal(HK_KEY_ORDER + HK_SINGLE_KEYS - 4, "bfrw");
    s.has_hotkeys_count = true;
    s.hotkeys_count = 100000;
    s.hotkey_label_len = 4000;
    hk_registry_entry(&s, 99999, &d);
    assert_string_equal(d.name, "key99999");
    assert_int_equal(strlen(d.label), 4000);
    for (size_t i = 0; i < 4000; i++)
        assert_true(d.label[i] >= 0x20 && d.label[i] <= 0x7e);
    assert_true(hk_lookup(&s, 'w', &d));
    s.hotkeys_count = 58;
    assert_false(hk_lookup(&s, 'b', &d));
    assert_true(hk_lookup(&s, 'Z', &d));
    s.hotkey_label_len = 5;
    hk_registry_entry(&s, 0, &d);
    assert_string_equal(d.label, "Dump ");
    s.hotkeys_count = 0;
    assert_int_equal(hk_registry_size(&s), 0);
    assert_false(hk_lookup(&s, 'd', &d));
}

static void test_hk_parse_request(void **state)
{
    uint8_t key;
    uint32_t id;
    assert_int_equal(hk_parse_request("d 42", &key, &id), 0);
    assert_int_equal(key, 'd');
    assert_int_equal(id, 42);
    assert_int_equal(hk_parse_request("Z 4294967295", &key, &id), 0);
    assert_int_equal(id, 4294967295u);
    static const char *const bad[] = {
        "",     "d",    "d ",  "d 0",  "d 042", "d 4294967296", "d 12345678901", "d  1",
        "d 1 ", "dd 1", "! 1", "d 1x", " d 1",  "d\t1",         "d -1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(hk_parse_request(bad[i], &key, &id), -1);
}

static void test_hk_dump(void **state)
{
    struct hk_dump_info info = {.domid = 7, .store_requests = 3};
    char buf[HK_DUMP_MAX];
    unsigned frames;
    size_t n = hk_dump("", &info, buf, &frames);
    assert_int_equal(frames, 4);
    assert_int_equal(strlen(buf), n);
    assert_true(n < HK_DUMP_MAX);
    assert_memory_equal(buf, "XEN|DEBUG: ====> XENBUS|STORE\r\n", 31);
    assert_string_equal(buf + n - 18, "XEN|DEBUG: <====\r\n");
    n = hk_dump("XENBUS|STORE", &info, buf, &frames);
    assert_int_equal(frames, 1);
    assert_non_null(strstr(buf, "XENBUS|STORE: Requests: 3 "));
    assert_null(strstr(buf, "EVTCHN"));
    hk_dump("XENBUS", &info, buf, &frames);
    assert_int_equal(frames, 3);
    n = hk_dump("NOSUCH", &info, buf, &frames);
    assert_int_equal(frames, 0);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_xsr_write_framing, reset_ring),
        cmocka_unit_test_setup(test_xsr_read_error_and_watch, reset_ring),
        cmocka_unit_test_setup(test_xsr_reply_split_across_wrap, reset_ring),
        cmocka_unit_test_setup(test_xsr_large_request_waits_for_space, reset_ring),
        cmocka_unit_test_setup(test_xsr_hostile_peer, reset_ring),
        cmocka_unit_test_setup(test_xsr_limits, reset_ring),
        cmocka_unit_test(test_conring_write_wrap_and_full),
        cmocka_unit_test(test_conring_hostile_backend),
        cmocka_unit_test(test_conring_read_wrap),
        cmocka_unit_test(test_shell_commands),
        cmocka_unit_test(test_shell_editing),
        cmocka_unit_test(test_shell_output_bound),
        cmocka_unit_test(test_ctl_roundtrip),
        cmocka_unit_test(test_ctl_malformed),
        cmocka_unit_test(test_ctl_names_and_targets),
        cmocka_unit_test(test_ctl_parse_create),
        cmocka_unit_test(test_ctl_parse_hotkey_options),
        cmocka_unit_test(test_hk_registry),
        cmocka_unit_test(test_hk_parse_request),
        cmocka_unit_test(test_hk_dump),
    };
    return cmocka_run_group_tests_name("xensim-guestd units", tests, NULL, NULL);
}
