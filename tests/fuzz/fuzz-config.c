// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-config.c — libFuzzer target for the configuration loader
 * (daemon/config*.c and hotkey-config.c, on top of inih). The file is
 * root-owned in practice, but a SIGHUP reload must never crash the daemon
 * whatever an admin (or a bad editor save) left in it.
 *
 * The input is the whole file, served from a memfd through /proc/self/fd
 * so no disk I/O happens per run. Checked: config_load() returns 0 or -1;
 * on failure *out is untouched and the message is a NUL-terminated
 * "FILE:..." string within the buffer; on success the config resolves for
 * a few guest names (fnmatch over every [domain:GLOB]) with values inside
 * their documented ranges, and is freed (LeakSanitizer checks the rest).
 * User and group names resolve against a fixed table (see getpwnam below).
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "daemon/config.h"
#include "tests/fuzz/fuzz-common.h"

/* getpwnam/getgrnam interposed: the real ones read /etc/passwd and
 * /etc/group through NSS on every call, which made this target 20x slower
 * and its results depend on the host. A fixed, small user database keeps
 * both name-found and name-unknown paths reachable. */
static struct passwd fake_pw[] = {
    {.pw_name = "root", .pw_uid = 0, .pw_gid = 0},
    {.pw_name = "alice", .pw_uid = 1000, .pw_gid = 1000},
};
static struct group fake_gr[] = {
    {.gr_name = "root", .gr_gid = 0},
    {.gr_name = "xcmux", .gr_gid = 990},
    {.gr_name = "users", .gr_gid = 100},
};

struct passwd *getpwnam(const char *name)
{
    for (size_t i = 0; i < sizeof(fake_pw) / sizeof(fake_pw[0]); i++)
        if (strcmp(fake_pw[i].pw_name, name) == 0)
            return &fake_pw[i];
    return NULL;
}

struct group *getgrnam(const char *name)
{
    for (size_t i = 0; i < sizeof(fake_gr) / sizeof(fake_gr[0]); i++)
        if (strcmp(fake_gr[i].gr_name, name) == 0)
            return &fake_gr[i];
    return NULL;
}

static int memfd = -1;
static char path[64];

static void check_console(const struct console_cfg *cc)
{
    FUZZ_CHECK(cc->buffer_size >= XCMUX_OUTBUF_MIN && cc->buffer_size <= XCMUX_OUTBUF_MAX);
    FUZZ_CHECK((cc->buffer_size & (cc->buffer_size - 1)) == 0);
    FUZZ_CHECK(cc->escape == XCMUX_ESCAPE_NONE || (cc->escape >= 0 && cc->escape <= 127));
    FUZZ_CHECK(cc->read.nuids <= XCMUX_ACL_MAX_ENTRIES && cc->read.ngids <= XCMUX_ACL_MAX_ENTRIES);
    FUZZ_CHECK(cc->write.nuids <= XCMUX_ACL_MAX_ENTRIES &&
               cc->write.ngids <= XCMUX_ACL_MAX_ENTRIES);
    FUZZ_CHECK(cc->admin.nuids <= XCMUX_ACL_MAX_ENTRIES &&
               cc->admin.ngids <= XCMUX_ACL_MAX_ENTRIES);
    FUZZ_CHECK(cc->policy == WRITE_POLICY_SINGLE || cc->policy == WRITE_POLICY_SHARED);
    FUZZ_CHECK(cc->pty == PTY_RW || cc->pty == PTY_RO || cc->pty == PTY_OFF);
    FUZZ_CHECK(cc->hotkeys->n <= XCMUX_CONFIG_HOTKEYS_MAX);
    FUZZ_CHECK(cc->hotkeys->nrules <= XCMUX_CONFIG_HOTKEYS_MAX);
    for (unsigned i = 0; i < cc->hotkeys->n; i++) {
        const struct hotkey_def *d = &cc->hotkeys->def[i];
        FUZZ_CHECK(d->action != HK_ACT_OFF); /* resolved: no "off" left */
        FUZZ_CHECK(d->arg_len <= XCMUX_HOTKEY_ARG_MAX);
        FUZZ_CHECK(memchr(d->label, '\0', sizeof(d->label)) != NULL);
        FUZZ_CHECK(memchr(d->text, '\0', sizeof(d->text)) != NULL);
        FUZZ_CHECK(hotkey_cfg_find(cc->hotkeys, d->key) != NULL);
    }
    gid_t groups[2] = {100, 4};
    enum access_level a = console_access(cc, 1000, 1000, groups, 2);
    FUZZ_CHECK(a <= ACCESS_ADMIN);
    FUZZ_CHECK(console_access(cc, 0, 0, NULL, 0) == ACCESS_ADMIN);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memfd < 0) {
        memfd = memfd_create("xcmux-fuzz-config", MFD_CLOEXEC);
        FUZZ_CHECK(memfd >= 0);
        snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
    }
    FUZZ_CHECK(ftruncate(memfd, 0) == 0);
    FUZZ_CHECK(pwrite(memfd, data, size, 0) == (ssize_t)size);

    struct config *cfg = (struct config *)(uintptr_t)0x1;
    char err[256];
    memset(err, 'x', sizeof(err));
    int rc = config_load(path, &cfg, err, sizeof(err));
    if (rc != 0) {
        FUZZ_CHECK(rc == -1);
        FUZZ_CHECK(cfg == (struct config *)(uintptr_t)0x1);
        FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
        FUZZ_CHECK(strncmp(err, path, strlen(path)) == 0);
        return 0;
    }
    FUZZ_CHECK(cfg != NULL && cfg != (struct config *)(uintptr_t)0x1);
    FUZZ_CHECK(cfg->socket_path[0] == '/');
    FUZZ_CHECK(memchr(cfg->socket_path, '\0', sizeof(cfg->socket_path)) != NULL);
    FUZZ_CHECK(memchr(cfg->log_dir, '\0', sizeof(cfg->log_dir)) != NULL);
    check_console(&cfg->global);
    static const char *const names[] = {"", "guest1", "web-01", "*", "[a", "d\\x"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct console_cfg cc;
        config_for_domain(cfg, names[i], &cc);
        check_console(&cc);
    }
    config_free(cfg);
    return 0;
}
