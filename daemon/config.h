/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.h — xcmuxd configuration (INI file, see xcmuxd.conf(5)).
 *
 * Contract:
 * - config_load(path) parses the whole file or fails: unknown sections,
 *   unknown keys, duplicate keys in one section, bad values, over-long lines
 *   and unknown user or group names are errors. The message is
 *   "FILE:LINE: what" (or "FILE: what" when the file cannot be read) and the
 *   return is -1 with *out untouched, so a SIGHUP reload keeps the old
 *   config and a start-up load refuses to start. path NULL means built-in
 *   defaults only (no file); a missing file is an error.
 * - User and group names in ACLs and socket_group are resolved to ids at
 *   load time (getpwnam/getgrnam); a later rename does not change access
 *   until the next reload.
 * - Per-console settings resolve as: [global] values, then every
 *   [domain:GLOB] section whose glob matches the guest name (fnmatch(3),
 *   no flags), in file order; later sections override earlier ones, key by
 *   key. Secondary consoles of a guest use the guest's settings.
 * - Defaults (also in conf/xcmuxd.conf and the man page): read and write ACLs
 *   are "root" plus the group "xcmux" if that group exists when the config
 *   is loaded; admin is "root"; root (uid 0) is always allowed everything.
 *   The socket group is "xcmux" when it exists (otherwise unchanged). Write
 *   implies read; admin implies write.
 * - Loading is not thread-safe (inih's option globals are set here).
 */
#ifndef XCMUX_DAEMON_CONFIG_H
#define XCMUX_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/limits.h"

/* The group whose members get read/write by default, if it exists. */
#define XCMUX_DEFAULT_GROUP "xcmux"

struct acl {
	bool everyone;
	unsigned nuids, ngids;
	uid_t uids[XCMUX_ACL_MAX_ENTRIES];
	gid_t gids[XCMUX_ACL_MAX_ENTRIES];
};

enum write_policy {
	WRITE_POLICY_SINGLE, /* one writer, others read-only; force takes the seat */
	WRITE_POLICY_SHARED, /* every session with write access may write */
};

enum pty_mode {
	PTY_RW,  /* publish a pty that may read and write */
	PTY_RO,  /* publish a pty whose input is discarded */
	PTY_OFF, /* no pty (xl create then waits for console/tty in vain) */
};

enum access_level {
	ACCESS_NONE,
	ACCESS_READ,
	ACCESS_WRITE,
	ACCESS_ADMIN,
};

/* Escape character value meaning "no escape character". */
#define XCMUX_ESCAPE_NONE (-1)

struct console_cfg {
	bool log;
	bool timestamps;
	bool sanitize;
	uint64_t log_max_size; /* 0 = no rotation */
	unsigned log_keep;
	size_t buffer_size;    /* power of two, XCMUX_OUTBUF_MIN..MAX */
	uint64_t replay;       /* bytes replayed on attach (clamped to held) */
	uint64_t rate;         /* bytes/s; 0 = off */
	uint64_t burst;        /* bytes; 0 = one second of rate */
	enum write_policy policy;
	enum pty_mode pty;
	int escape;            /* 0..127, or XCMUX_ESCAPE_NONE */
	struct acl read;
	struct acl write;
	struct acl admin;      /* global only; copied here for convenience */
};

struct domain_section;

struct config {
	char socket_path[XCMUX_SOCKET_PATH_MAX + 1];
	mode_t socket_mode;
	bool socket_group_set;
	gid_t socket_group;
	char log_dir[XCMUX_LOG_DIR_MAX + 1];
	struct console_cfg global; /* the [global] values of per-console keys */
	size_t ndomains;
	struct domain_section *domains;
};

int config_load(const char *path, struct config **out, char *err, size_t errlen);
void config_free(struct config *cfg);

void config_for_domain(const struct config *cfg, const char *name,
		       struct console_cfg *out);

bool acl_allows(const struct acl *acl, uid_t uid, gid_t primary,
		const gid_t *groups, int ngroups);

/* Highest access a peer has to a console (root is always ACCESS_ADMIN). */
enum access_level console_access(const struct console_cfg *cc, uid_t uid,
				 gid_t primary, const gid_t *groups, int ngroups);

/* Parsers shared with the command line; 0 on success, -1 on a bad value. */
int config_parse_size(const char *s, uint64_t *out);
int config_parse_escape(const char *s, int *out);

#endif /* XCMUX_DAEMON_CONFIG_H */
