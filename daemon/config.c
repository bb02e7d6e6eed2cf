/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/config.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <grp.h>
#include <ini.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/outbuf.h"

#define DOMAIN_PREFIX "domain:"

enum key {
	/* [global] only */
	K_SOCKET_PATH,
	K_SOCKET_MODE,
	K_SOCKET_GROUP,
	K_LOG_DIR,
	K_ADMIN,
	/* per console: [global] and [domain:GLOB] */
	K_LOG,
	K_TIMESTAMPS,
	K_SANITIZE,
	K_LOG_MAX_SIZE,
	K_LOG_KEEP,
	K_BUFFER_SIZE,
	K_REPLAY,
	K_RATE,
	K_BURST,
	K_WRITE_POLICY,
	K_PTY,
	K_ESCAPE,
	K_READ,
	K_WRITE,
	K_COUNT
};

#define FIRST_CONSOLE_KEY K_LOG

static const char *const key_names[K_COUNT] = {
	[K_SOCKET_PATH] = "socket_path",
	[K_SOCKET_MODE] = "socket_mode",
	[K_SOCKET_GROUP] = "socket_group",
	[K_LOG_DIR] = "log_dir",
	[K_ADMIN] = "admin",
	[K_LOG] = "log",
	[K_TIMESTAMPS] = "timestamps",
	[K_SANITIZE] = "sanitize",
	[K_LOG_MAX_SIZE] = "log_max_size",
	[K_LOG_KEEP] = "log_keep",
	[K_BUFFER_SIZE] = "buffer_size",
	[K_REPLAY] = "replay",
	[K_RATE] = "rate",
	[K_BURST] = "burst",
	[K_WRITE_POLICY] = "write_policy",
	[K_PTY] = "pty",
	[K_ESCAPE] = "escape",
	[K_READ] = "read",
	[K_WRITE] = "write",
};

struct domain_section {
	char glob[XCMUX_CONFIG_GLOB_MAX + 1];
	uint32_t set; /* bit per enum key given in this section */
	struct console_cfg values;
};

struct parser {
	struct config *cfg;
	const char *file;
	FILE *fp;
	char *line_buf;
	size_t line_cap;
	int lineno;
	bool failed;
	char *err;
	size_t errlen;
	/* Set by the reader at each header (inih only sees "[N]"). */
	unsigned header_index; /* 0 = no header yet */
	bool header_is_domain;
	char header_glob[XCMUX_CONFIG_GLOB_MAX + 1];
	/* Section instance the handler is filling. */
	unsigned section_index;
	uint32_t seen; /* keys seen in the current section instance */
	struct domain_section *dom; /* NULL in [global] */
	size_t domains_cap;
};

static void fail(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct parser *p, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%d: %s", p->file, p->lineno, what);
}

/* --- value parsers ------------------------------------------------------- */

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "on", "yes", "true", "1" };
	static const char *const no[] = { "off", "no", "false", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int parse_digits(const char **s, int base, uint64_t *out)
{
	const char *c = *s;
	uint64_t v = 0;

	if (!isdigit((unsigned char)*c))
		return -1;
	for (; *c; c++) {
		int d;
		if (*c >= '0' && *c <= '9')
			d = *c - '0';
		else
			break;
		if (d >= base)
			return -1;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*s = c;
	*out = v;
	return 0;
}

int config_parse_size(const char *s, uint64_t *out)
{
	uint64_t v, mult = 1;

	if (parse_digits(&s, 10, &v) < 0)
		return -1;
	switch (*s) {
	case '\0':
		break;
	case 'k': case 'K':
		mult = 1ull << 10;
		s++;
		break;
	case 'm': case 'M':
		mult = 1ull << 20;
		s++;
		break;
	case 'g': case 'G':
		mult = 1ull << 30;
		s++;
		break;
	default:
		return -1;
	}
	if (*s != '\0' || (v != 0 && mult > UINT64_MAX / v))
		return -1;
	*out = v * mult;
	return 0;
}

int config_parse_escape(const char *s, int *out)
{
	if (strcasecmp(s, "none") == 0) {
		*out = XCMUX_ESCAPE_NONE;
		return 0;
	}
	if (s[0] == '^' && s[1] != '\0' && s[2] == '\0') {
		int c = toupper((unsigned char)s[1]);
		if (c == '?') {
			*out = 0x7f;
			return 0;
		}
		/* ^@ (NUL) is excluded: too easy to send by accident. */
		if (c > '@' && c <= '_') {
			*out = c - '@';
			return 0;
		}
		return -1;
	}
	if (s[0] != '\0' && s[1] == '\0' && isgraph((unsigned char)s[0])) {
		*out = (unsigned char)s[0];
		return 0;
	}
	return -1;
}

static bool acl_add_uid(struct acl *acl, uid_t uid)
{
	if (acl->nuids >= XCMUX_ACL_MAX_ENTRIES)
		return false;
	acl->uids[acl->nuids++] = uid;
	return true;
}

static bool acl_add_gid(struct acl *acl, gid_t gid)
{
	if (acl->ngids >= XCMUX_ACL_MAX_ENTRIES)
		return false;
	acl->gids[acl->ngids++] = gid;
	return true;
}

static int parse_id(const char *s, uint64_t *out)
{
	if (parse_digits(&s, 10, out) < 0 || *s != '\0' || *out >= (uint32_t)-1)
		return -1;
	return 0;
}

/* Returns 0, or -1 after fail(). */
static int parse_acl(struct parser *p, const char *key, const char *value,
		     struct acl *acl)
{
	char buf[XCMUX_CONFIG_LINE_MAX + 1];
	char *save = NULL;

	memset(acl, 0, sizeof(*acl));
	snprintf(buf, sizeof(buf), "%s", value);
	if (strcasecmp(buf, "none") == 0)
		return 0;
	for (char *tok = strtok_r(buf, " \t,", &save); tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		bool ok;
		uint64_t id;

		if (strcmp(tok, "*") == 0) {
			acl->everyone = true;
			continue;
		}
		if (strncmp(tok, "uid:", 4) == 0) {
			if (parse_id(tok + 4, &id) < 0) {
				fail(p, "%s: bad uid '%s'", key, tok);
				return -1;
			}
			ok = acl_add_uid(acl, (uid_t)id);
		} else if (strncmp(tok, "gid:", 4) == 0) {
			if (parse_id(tok + 4, &id) < 0) {
				fail(p, "%s: bad gid '%s'", key, tok);
				return -1;
			}
			ok = acl_add_gid(acl, (gid_t)id);
		} else if (tok[0] == '@') {
			errno = 0;
			struct group *gr = getgrnam(tok + 1);
			if (!gr) {
				fail(p, "%s: unknown group '%s'", key, tok + 1);
				return -1;
			}
			ok = acl_add_gid(acl, gr->gr_gid);
		} else {
			errno = 0;
			struct passwd *pw = getpwnam(tok);
			if (!pw) {
				fail(p, "%s: unknown user '%s'", key, tok);
				return -1;
			}
			ok = acl_add_uid(acl, pw->pw_uid);
		}
		if (!ok) {
			fail(p, "%s: more than %d users or groups", key,
			     XCMUX_ACL_MAX_ENTRIES);
			return -1;
		}
	}
	return 0;
}

static int parse_abs_path(struct parser *p, const char *key, const char *value,
			  char *out, size_t outlen)
{
	size_t len = strlen(value);

	if (value[0] != '/') {
		fail(p, "%s: '%s' is not an absolute path", key, value);
		return -1;
	}
	if (len >= outlen) {
		fail(p, "%s: path longer than %zu bytes", key, outlen - 1);
		return -1;
	}
	memcpy(out, value, len + 1);
	return 0;
}

static int parse_size_in(struct parser *p, const char *key, const char *value,
			 uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (config_parse_size(value, &v) < 0) {
		fail(p, "%s: bad size '%s' (expected a number with optional k, M or G)",
		     key, value);
		return -1;
	}
	if (v != 0 && (v < min || v > max)) {
		fail(p, "%s: %s out of range (%llu..%llu, or 0)", key, value,
		     (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

/* --- defaults ------------------------------------------------------------ */

static void default_acls(struct console_cfg *cc)
{
	struct group *gr = getgrnam(XCMUX_DEFAULT_GROUP);

	memset(&cc->read, 0, sizeof(cc->read));
	acl_add_uid(&cc->read, 0);
	if (gr)
		acl_add_gid(&cc->read, gr->gr_gid);
	cc->write = cc->read;
	memset(&cc->admin, 0, sizeof(cc->admin));
	acl_add_uid(&cc->admin, 0);
}

static void config_defaults(struct config *cfg)
{
	struct group *gr = getgrnam(XCMUX_DEFAULT_GROUP);

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->socket_path, sizeof(cfg->socket_path), "/run/xcmux/xcmux.sock");
	cfg->socket_mode = 0660;
	if (gr) {
		cfg->socket_group_set = true;
		cfg->socket_group = gr->gr_gid;
	}
	snprintf(cfg->log_dir, sizeof(cfg->log_dir), "/var/log/xcmux");

	struct console_cfg *cc = &cfg->global;
	cc->log = true;
	cc->timestamps = true;
	cc->sanitize = true;
	cc->log_max_size = 10ull << 20;
	cc->log_keep = 5;
	cc->buffer_size = 64u << 10;
	cc->replay = 16u << 10;
	cc->rate = 0;
	cc->burst = 0;
	cc->policy = WRITE_POLICY_SINGLE;
	cc->pty = PTY_RW;
	cc->escape = 0x1d; /* ^] as in telnet and xl console */
	default_acls(cc);
}

/* --- key handling -------------------------------------------------------- */

static int set_console_key(struct parser *p, enum key k, const char *key,
			   const char *v, struct console_cfg *cc)
{
	uint64_t n;

	switch (k) {
	case K_LOG:
	case K_TIMESTAMPS:
	case K_SANITIZE: {
		bool b;
		if (parse_bool(v, &b) < 0) {
			fail(p, "%s: bad boolean '%s' (expected on or off)", key, v);
			return -1;
		}
		if (k == K_LOG)
			cc->log = b;
		else if (k == K_TIMESTAMPS)
			cc->timestamps = b;
		else
			cc->sanitize = b;
		return 0;
	}
	case K_LOG_MAX_SIZE:
		if (parse_size_in(p, key, v, XCMUX_LOG_MAX_SIZE_MIN,
				  XCMUX_LOG_MAX_SIZE_MAX, &n) < 0)
			return -1;
		cc->log_max_size = n;
		return 0;
	case K_LOG_KEEP: {
		const char *s = v;
		if (parse_digits(&s, 10, &n) < 0 || *s != '\0' || n > XCMUX_LOG_KEEP_MAX) {
			fail(p, "%s: bad count '%s' (0..%d)", key, v, XCMUX_LOG_KEEP_MAX);
			return -1;
		}
		cc->log_keep = (unsigned)n;
		return 0;
	}
	case K_BUFFER_SIZE:
		if (config_parse_size(v, &n) < 0 || n > SIZE_MAX ||
		    !outbuf_capacity_valid((size_t)n)) {
			fail(p, "%s: '%s' is not a power of two in %uk..%uM", key, v,
			     XCMUX_OUTBUF_MIN >> 10, XCMUX_OUTBUF_MAX >> 20);
			return -1;
		}
		cc->buffer_size = (size_t)n;
		return 0;
	case K_REPLAY:
		if (parse_size_in(p, key, v, 0, XCMUX_OUTBUF_MAX, &n) < 0)
			return -1;
		cc->replay = n;
		return 0;
	case K_RATE:
	case K_BURST:
		if (parse_size_in(p, key, v, 0, XCMUX_RATE_MAX, &n) < 0)
			return -1;
		if (k == K_RATE)
			cc->rate = n;
		else
			cc->burst = n;
		return 0;
	case K_WRITE_POLICY:
		if (strcasecmp(v, "single") == 0)
			cc->policy = WRITE_POLICY_SINGLE;
		else if (strcasecmp(v, "shared") == 0)
			cc->policy = WRITE_POLICY_SHARED;
		else {
			fail(p, "%s: bad policy '%s' (expected single or shared)", key, v);
			return -1;
		}
		return 0;
	case K_PTY:
		if (strcasecmp(v, "rw") == 0)
			cc->pty = PTY_RW;
		else if (strcasecmp(v, "ro") == 0)
			cc->pty = PTY_RO;
		else if (strcasecmp(v, "off") == 0)
			cc->pty = PTY_OFF;
		else {
			fail(p, "%s: bad pty mode '%s' (expected rw, ro or off)", key, v);
			return -1;
		}
		return 0;
	case K_ESCAPE:
		if (config_parse_escape(v, &cc->escape) < 0) {
			fail(p, "%s: bad escape '%s' (expected ^X, one character, or none)",
			     key, v);
			return -1;
		}
		return 0;
	case K_READ:
		return parse_acl(p, key, v, &cc->read);
	case K_WRITE:
		return parse_acl(p, key, v, &cc->write);
	default:
		fail(p, "internal: key %s not per-console", key);
		return -1;
	}
}

static int set_global_key(struct parser *p, enum key k, const char *key,
			  const char *v)
{
	struct config *cfg = p->cfg;

	switch (k) {
	case K_SOCKET_PATH:
		return parse_abs_path(p, key, v, cfg->socket_path,
				      sizeof(cfg->socket_path));
	case K_LOG_DIR:
		return parse_abs_path(p, key, v, cfg->log_dir, sizeof(cfg->log_dir));
	case K_SOCKET_MODE: {
		const char *s = v;
		uint64_t mode;
		if (parse_digits(&s, 8, &mode) < 0 || *s != '\0' || mode > 0777) {
			fail(p, "%s: bad mode '%s' (expected octal, e.g. 0660)", key, v);
			return -1;
		}
		cfg->socket_mode = (mode_t)mode;
		return 0;
	}
	case K_SOCKET_GROUP: {
		if (v[0] == '\0' || strcasecmp(v, "none") == 0) {
			cfg->socket_group_set = false;
			return 0;
		}
		struct group *gr = getgrnam(v);
		if (!gr) {
			fail(p, "%s: unknown group '%s'", key, v);
			return -1;
		}
		cfg->socket_group_set = true;
		cfg->socket_group = gr->gr_gid;
		return 0;
	}
	case K_ADMIN:
		return parse_acl(p, key, v, &cfg->global.admin);
	default:
		return set_console_key(p, k, key, v, &cfg->global);
	}
}

static struct domain_section *new_domain_section(struct parser *p, const char *glob)
{
	struct config *cfg = p->cfg;

	if (cfg->ndomains >= XCMUX_CONFIG_MAX_DOMAIN_SECTIONS) {
		fail(p, "more than %d [domain:...] sections", XCMUX_CONFIG_MAX_DOMAIN_SECTIONS);
		return NULL;
	}
	if (cfg->ndomains == p->domains_cap) {
		size_t cap = p->domains_cap ? p->domains_cap * 2 : 8;
		struct domain_section *d = realloc(cfg->domains, cap * sizeof(*d));
		if (!d) {
			fail(p, "out of memory");
			return NULL;
		}
		cfg->domains = d;
		p->domains_cap = cap;
	}
	struct domain_section *d = &cfg->domains[cfg->ndomains++];
	memset(d, 0, sizeof(*d));
	snprintf(d->glob, sizeof(d->glob), "%s", glob);
	return d;
}

static int handle_key(void *user, const char *section, const char *name,
		      const char *value)
{
	struct parser *p = user;

	if (p->failed)
		return 0;
	/* inih calls the handler for the line the reader just returned, so
	 * the reader's header state is this key's section. */
	if (p->header_index == 0) {
		fail(p, "key '%s' outside a section (start with [global])", name);
		return 0;
	}
	if (p->section_index != p->header_index) {
		p->section_index = p->header_index;
		p->seen = 0;
		p->dom = NULL;
		if (p->header_is_domain) {
			p->dom = new_domain_section(p, p->header_glob);
			if (!p->dom)
				return 0;
		}
	}
	enum key k = K_COUNT;
	for (int i = 0; i < K_COUNT; i++) {
		if (strcmp(name, key_names[i]) == 0) {
			k = (enum key)i;
			break;
		}
	}
	if (k == K_COUNT) {
		fail(p, "unknown key '%s'", name);
		return 0;
	}
	if (p->seen & (1u << k)) {
		fail(p, "duplicate key '%s' in this section", name);
		return 0;
	}
	p->seen |= 1u << k;

	if (p->dom) {
		if (k < FIRST_CONSOLE_KEY) {
			fail(p, "key '%s' is only allowed in [global]", name);
			return 0;
		}
		p->dom->set |= 1u << k;
		return set_console_key(p, k, name, value, &p->dom->values) == 0;
	}
	return set_global_key(p, k, name, value) == 0;
}

/* --- reader: line numbers, line length and section headers --------------- */

/*
 * inih cuts section names at the first ']' and at 49 bytes, which would
 * break globs like "web[12]" silently. The reader parses headers itself
 * (name = text up to the last ']'), keeps the full name, and hands inih a
 * short unique placeholder "[N]" so the handler still sees each section
 * start. It also counts lines, which inih's handler does not report.
 */
static void parse_section_header(struct parser *p, const char *line)
{
	const char *close = strrchr(line, ']');
	if (!close) {
		fail(p, "unterminated section header");
		return;
	}
	for (const char *c = close + 1; *c && *c != ';' && *c != '#'; c++) {
		if (!isspace((unsigned char)*c)) {
			fail(p, "text after section header");
			return;
		}
	}
	const char *name = line + 1;
	size_t len = (size_t)(close - name);
	size_t plen = strlen(DOMAIN_PREFIX);

	p->header_index++;
	p->header_is_domain = false;
	if (len == strlen("global") && strncmp(name, "global", len) == 0)
		return;
	if (len >= plen && strncmp(name, DOMAIN_PREFIX, plen) == 0) {
		if (len == plen)
			fail(p, "empty glob in [%s]", DOMAIN_PREFIX);
		else if (len - plen > XCMUX_CONFIG_GLOB_MAX)
			fail(p, "glob longer than %d bytes", XCMUX_CONFIG_GLOB_MAX);
		else {
			memcpy(p->header_glob, name + plen, len - plen);
			p->header_glob[len - plen] = '\0';
			p->header_is_domain = true;
		}
		return;
	}
	fail(p, "unknown section [%.*s] (expected [global] or [domain:GLOB])",
	     (int)(len > 64 ? 64 : len), name);
}

static char *read_line(char *str, int num, void *stream)
{
	struct parser *p = stream;

	if (p->failed)
		return NULL;
	ssize_t n = getline(&p->line_buf, &p->line_cap, p->fp);
	if (n < 0)
		return NULL;
	p->lineno++;
	size_t content = (size_t)n;
	while (content > 0 && (p->line_buf[content - 1] == '\n' ||
			       p->line_buf[content - 1] == '\r'))
		content--;
	if (memchr(p->line_buf, '\0', (size_t)n)) {
		fail(p, "NUL byte in line");
		return NULL;
	}
	if (content > XCMUX_CONFIG_LINE_MAX || (size_t)n + 1 > (size_t)num) {
		fail(p, "line longer than %d bytes", XCMUX_CONFIG_LINE_MAX);
		return NULL;
	}
	p->line_buf[content] = '\0';
	const char *line = p->line_buf;
	while (isspace((unsigned char)*line))
		line++;
	if (*line == '[') {
		parse_section_header(p, line);
		if (p->failed)
			return NULL;
		snprintf(str, (size_t)num, "[%u]\n", p->header_index);
		return str;
	}
	snprintf(str, (size_t)num, "%s\n", p->line_buf);
	return str;
}

/* --- public ---------------------------------------------------------------- */

int config_load(const char *path, struct config **out, char *err, size_t errlen)
{
	struct config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	config_defaults(cfg);
	if (!path) {
		*out = cfg;
		return 0;
	}

	struct parser p = {
		.cfg = cfg, .file = path, .err = err, .errlen = errlen,
	};
	p.fp = fopen(path, "re");
	if (!p.fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		config_free(cfg);
		return -1;
	}
	/* Indented lines are keys, not continuations; stop at the first error
	 * so the reported line is the first bad one. */
	ini_allow_multiline = false;
	ini_stop_on_first_error = true;
	ini_use_stack = true;
	ini_max_line = XCMUX_CONFIG_LINE_MAX + 3;
	int rc = ini_parse_stream(read_line, &p, handle_key, &p);
	if (!p.failed && ferror(p.fp)) {
		p.lineno++;
		fail(&p, "read error: %s", strerror(errno));
	}
	fclose(p.fp);
	free(p.line_buf);
	if (!p.failed && rc != 0) {
		if (rc > 0) {
			snprintf(err, errlen, "%s:%d: syntax error (expected [section] or key = value)",
				 path, rc);
		} else {
			snprintf(err, errlen, "%s: out of memory", path);
		}
		p.failed = true;
	}
	if (p.failed) {
		config_free(cfg);
		return -1;
	}
	*out = cfg;
	return 0;
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	free(cfg->domains);
	free(cfg);
}

static void apply_section(struct console_cfg *cc, const struct domain_section *d)
{
	const struct console_cfg *v = &d->values;

#define TAKE(key, field)                        \
	do {                                    \
		if (d->set & (1u << (key)))     \
			cc->field = v->field;   \
	} while (0)
	TAKE(K_LOG, log);
	TAKE(K_TIMESTAMPS, timestamps);
	TAKE(K_SANITIZE, sanitize);
	TAKE(K_LOG_MAX_SIZE, log_max_size);
	TAKE(K_LOG_KEEP, log_keep);
	TAKE(K_BUFFER_SIZE, buffer_size);
	TAKE(K_REPLAY, replay);
	TAKE(K_RATE, rate);
	TAKE(K_BURST, burst);
	TAKE(K_WRITE_POLICY, policy);
	TAKE(K_PTY, pty);
	TAKE(K_ESCAPE, escape);
	TAKE(K_READ, read);
	TAKE(K_WRITE, write);
#undef TAKE
}

void config_for_domain(const struct config *cfg, const char *name,
		       struct console_cfg *out)
{
	*out = cfg->global;
	for (size_t i = 0; i < cfg->ndomains; i++) {
		if (fnmatch(cfg->domains[i].glob, name, 0) == 0)
			apply_section(out, &cfg->domains[i]);
	}
}

bool acl_allows(const struct acl *acl, uid_t uid, gid_t primary,
		const gid_t *groups, int ngroups)
{
	if (acl->everyone)
		return true;
	for (unsigned i = 0; i < acl->nuids && i < XCMUX_ACL_MAX_ENTRIES; i++)
		if (acl->uids[i] == uid)
			return true;
	for (unsigned i = 0; i < acl->ngids && i < XCMUX_ACL_MAX_ENTRIES; i++) {
		if (acl->gids[i] == primary)
			return true;
		for (int g = 0; groups && g < ngroups; g++)
			if (acl->gids[i] == groups[g])
				return true;
	}
	return false;
}

enum access_level console_access(const struct console_cfg *cc, uid_t uid,
				 gid_t primary, const gid_t *groups, int ngroups)
{
	if (uid == 0 || acl_allows(&cc->admin, uid, primary, groups, ngroups))
		return ACCESS_ADMIN;
	if (acl_allows(&cc->write, uid, primary, groups, ngroups))
		return ACCESS_WRITE;
	if (acl_allows(&cc->read, uid, primary, groups, ngroups))
		return ACCESS_READ;
	return ACCESS_NONE;
}
