// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkseeds-proto.c — writes the seed corpus of fuzz-proto: one valid frame
 * of every message type (made by the real encoder, so the seeds follow the
 * codec if the spec changes), a whole client session in one stream, and a
 * few classic bad frames. Usage: mkseeds-proto DIR. Seeds start with the
 * chunking byte that fuzz-proto consumes first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/xcmux-proto.h"

static char dir[4096];

static void put(const char *name, const uint8_t *p, size_t n)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fputc(7, f) == EOF || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static uint8_t buf[XP_FRAME_MAX], session[8192];
static size_t session_len;

static void frame(const char *name, ssize_t n, int in_session)
{
    if (n < 0) {
        fprintf(stderr, "%s: %s\n", name, xp_strerror((int)n));
        exit(1);
    }
    put(name, buf, (size_t)n);
    if (in_session && session_len + (size_t)n <= sizeof(session)) {
        memcpy(session + session_len, buf, (size_t)n);
        session_len += (size_t)n;
    }
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    snprintf(dir, sizeof(dir), "%s", argv[1]);
    size_t cap = sizeof(buf);

    struct xp_hello hello = {.version = XP_PROTOCOL_VERSION};
    strcpy(hello.software, "xcmux 0.1.0");
    frame("hello", xp_encode_hello(buf, cap, &hello), 1);
    frame("list", xp_encode_empty(buf, cap, XP_T_LIST), 1);
    struct xp_attach at = {.console = 0,
                           .mode = XP_MODE_READ_WRITE,
                           .flags = XP_ATTACH_F_TERMINAL | XP_ATTACH_F_FOLLOW,
                           .escape = XP_ESCAPE_DEFAULT,
                           .replay = XP_REPLAY_DEFAULT};
    strcpy(at.domain, "guest1");
    frame("attach", xp_encode_attach(buf, cap, &at), 1);
    frame("input", xp_encode_bytes(buf, cap, XP_T_INPUT, (const uint8_t *)"ls\r\x1d?", 6), 1);
    struct xp_console_ref ref = {.console = 1};
    strcpy(ref.domain, "7");
    frame("who", xp_encode_console_ref(buf, cap, XP_T_WHO, &ref), 1);
    frame("hotkeys", xp_encode_console_ref(buf, cap, XP_T_HOTKEYS, &ref), 1);
    struct xp_log_req lg = {.ref = ref, .max_bytes = XP_LOG_ALL};
    frame("log", xp_encode_log(buf, cap, &lg), 1);
    struct xp_trigger tr = {.ref = ref, .key = 's'};
    frame("trigger", xp_encode_trigger(buf, cap, &tr), 1);
    frame("detach", xp_encode_empty(buf, cap, XP_T_DETACH), 1);
    put("session", session, session_len);

    struct xp_error er = {.code = XP_E_UNKNOWN_DOMAIN, .request_type = XP_T_ATTACH};
    strcpy(er.text, "unknown domain; known: guest1 guest2");
    frame("error", xp_encode_error(buf, cap, &er), 0);
    struct xp_end end = {.request_type = XP_T_LIST, .count = 2};
    frame("end", xp_encode_end(buf, cap, &end), 0);
    struct xp_list_entry le = {.domid = 3,
                               .state = XP_STATE_RUNNING,
                               .flags = XP_LIST_F_WRITER,
                               .sessions = 2,
                               .bytes_out = 123456,
                               .dropped_guest = 1};
    strcpy(le.name, "guest1");
    strcpy(le.tty, "/dev/pts/4");
    frame("list_entry", xp_encode_list_entry(buf, cap, &le), 0);
    struct xp_attached ad = {
        .domid = 3, .mode = XP_MODE_READ_WRITE, .flags = XP_ATTACHED_F_WRITER, .replayed = 80};
    strcpy(ad.name, "guest1");
    frame("attached", xp_encode_attached(buf, cap, &ad), 0);
    frame("data", xp_encode_bytes(buf, cap, XP_T_DATA, (const uint8_t *)"login: ", 7), 0);
    struct xp_notice no = {.code = XP_N_DROPPED, .count = 4096};
    strcpy(no.text, "4096 bytes dropped");
    frame("notice", xp_encode_notice(buf, cap, &no), 0);
    struct xp_who_entry we = {.uid = 1000,
                              .pid = 42,
                              .mode = XP_MODE_READ_ONLY,
                              .flags = XP_WHO_F_SELF,
                              .attach_time = 1700000000};
    strcpy(we.user, "alice");
    frame("who_entry", xp_encode_who_entry(buf, cap, &we), 0);
    struct xp_hotkey_entry he = {.key = 's', .source = XP_HK_SRC_GUEST};
    strcpy(he.label, "sysrq");
    strcpy(he.action, "send break");
    frame("hotkey_entry", xp_encode_hotkey_entry(buf, cap, &he), 0);
    struct xp_trigger_result trr = {.code = XP_TR_FIRED_ACKED};
    strcpy(trr.text, "ok");
    frame("trigger_result", xp_encode_trigger_result(buf, cap, &trr), 0);

    static const uint8_t too_big[] = {'X', 'C', XP_T_DATA, 0, 0, 1, 0, 1};
    put("bad-too-big", too_big, sizeof(too_big));
    static const uint8_t flags[] = {'X', 'C', XP_T_LIST, 0x80, 0, 0, 0, 0};
    put("bad-flags", flags, sizeof(flags));
    static const uint8_t http[] = "GET / HTTP/1.0\r\n\r\n";
    put("bad-magic", http, sizeof(http) - 1);
    static const uint8_t trunc[] = {'X', 'C', XP_T_HELLO, 0, 0, 0, 0, 6, 0, 0, 0, 1, 0, 9};
    put("bad-string-len", trunc, sizeof(trunc));
    return 0;
}
