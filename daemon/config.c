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

#include "common/rules.h"
#include "daemon/outbuf.h"

#define DOMAIN_PREFIX "domain:"

enum key {
	/* [global] only */
	K_SOCKET_PATH,
	K_SOCKET_MODE,
	K_SOCKET_GROUP,
	K_LOG_DIR,
	K_ADMIN,
	K_MAX_CONN_PER_USER,
	K_MAX_SESSIONS_PER_USER,
	K_RESERVED_CONN,
	K_RESERVED_SESSIONS,
	/* per console: [global] and [domain:GLOB] */
	K_LOG,
	K_LOG_TARGET,
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
	K_HOTKEY_ACL,
	K_GUEST_HOTKEYS,
	K_HOTKEY_RATE,
	K_ACK_TIMEOUT,
	K_COUNT
};

/* Keys with a per-hotkey suffix: "hotkey.<K>" and "guest_hotkey.<K>". */
#define HOTKEY_PREFIX "hotkey."
#define GUEST_HOTKEY_PREFIX "guest_hotkey."

#define FIRST_CONSOLE_KEY K_LOG

static const char *const key_names[K_COUNT] = {
	[K_SOCKET_PATH] = "socket_path",
	[K_SOCKET_MODE] = "socket_mode",
	[K_SOCKET_GROUP] = "socket_group",
	[K_LOG_DIR] = "log_dir",
	[K_ADMIN] = "admin",
	[K_MAX_CONN_PER_USER] = "max_connections_per_user",
	[K_MAX_SESSIONS_PER_USER] = "max_sessions_per_user",
	[K_RESERVED_CONN] = "reserved_connections",
	[K_RESERVED_SESSIONS] = "reserved_sessions",
	[K_LOG] = "log",
	[K_LOG_TARGET] = "log_target",
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
	[K_HOTKEY_ACL] = "hotkey",
	[K_GUEST_HOTKEYS] = "guest_hotkeys",
	[K_HOTKEY_RATE] = "hotkey_rate",
	[K_ACK_TIMEOUT] = "ack_timeout",
};

struct domain_section {
	char glob[XCMUX_CONFIG_GLOB_MAX + 1];
	uint32_t set; /* bit per enum key given in this section */
	struct console_cfg values;    /* values.hotkeys unused: see hotkeys */
	struct hotkey_cfg *hotkeys;   /* this section's hotkey keys; NULL: none */
};

/* A hotkey table resolved for the consoles matching exactly the sections
 * listed in key[] (those of the matches that define hotkeys). */
struct resolved_hotkeys {
	struct resolved_hotkeys *next;
	struct hotkey_cfg table;
	unsigned nkey;
	unsigned key[];
};

struct hotkey_tables {
	unsigned n;
	struct resolved_hotkeys *head;
};

static const struct hotkey_cfg no_hotkeys;

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
	uint64_t seen_hotkeys, seen_rules; /* bit per hotkey key, same */
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
	return xr_lex_u64(s, (unsigned)base, UINT64_MAX, out);
}

/* Digits with at most one k/M/G suffix: the syntax of a size, whatever
 * its value (a value too large for 64 bits is out of range, not bad). */
static bool size_syntax(const char *s, bool suffix)
{
	if (!isdigit((unsigned char)*s))
		return false;
	while (isdigit((unsigned char)*s))
		s++;
	if (suffix && *s && strchr("kKmMgG", *s))
		s++;
	return *s == '\0';
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
	return xr_parse_escape(s, out);
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

/* A value that must be one of a few words (case-insensitive). */
struct keyword {
	const char *word;
	int value;
};

static int parse_keyword(struct parser *p, const char *key, const char *v, const char *what,
			 const struct keyword *words, size_t nwords, int *out)
{
	for (size_t i = 0; i < nwords; i++)
		if (strcasecmp(v, words[i].word) == 0) {
			*out = words[i].value;
			return 0;
		}
	char expected[128] = "";
	for (size_t i = 0; i < nwords; i++)
		snprintf(expected + strlen(expected), sizeof(expected) - strlen(expected), "%s%s",
			 i == 0 ? "" : i + 1 == nwords ? " or " : ", ", words[i].word);
	fail(p, "%s: bad %s '%s' (expected %s)", key, what, v, expected);
	return -1;
}

static int parse_size_in(struct parser *p, const char *key, const char *value,
			 uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;

	bool parsed = config_parse_size(value, &v) == 0;
	if (!parsed && !size_syntax(value, true)) {
		fail(p, "%s: bad size '%s' (expected a number with optional k, M or G)",
		     key, value);
		return -1;
	}
	if (!parsed || (v != 0 && (v < min || v > max))) {
		fail(p, "%s: %s out of range (%llu..%llu, or 0)", key, value,
		     (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

/* --- hotkeys ------------------------------------------------------------- */

bool hotkey_key_valid(int key)
{
	/* b f r w are escape commands (HOTKEYS.md §2); . and ? are not
	 * alphanumeric anyway. */
	if (!((key >= '0' && key <= '9') || (key >= 'a' && key <= 'z') ||
	      (key >= 'A' && key <= 'Z')))
		return false;
	return key != 'b' && key != 'f' && key != 'r' && key != 'w';
}

/* 0..61 for a key in [0-9A-Za-z] (a bit in the seen masks). */
static unsigned key_bit(uint8_t key)
{
	if (key >= '0' && key <= '9')
		return (unsigned)(key - '0');
	if (key >= 'A' && key <= 'Z')
		return 10u + (unsigned)(key - 'A');
	return 36u + (unsigned)(key - 'a');
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* C-style escapes of inject:<bytes>. Returns the length, or -1 after fail(). */
static int decode_inject(struct parser *p, const char *key, const char *in, char *out,
			 size_t cap)
{
	size_t n = 0;
	for (const char *c = in; *c; c++) {
		int b = (unsigned char)*c;
		if (*c == '\\') {
			c++;
			switch (*c) {
			case 'x': {
				int hi = hexval(c[1]), lo = hi < 0 ? -1 : hexval(c[2]);
				if (hi < 0 || lo < 0) {
					fail(p, "%s: bad \\x escape (expected \\xHH)", key);
					return -1;
				}
				b = hi * 16 + lo;
				c += 2;
				break;
			}
			case 'e': b = 0x1b; break;
			case 'r': b = '\r'; break;
			case 'n': b = '\n'; break;
			case 't': b = '\t'; break;
			case '\\': b = '\\'; break;
			default:
				fail(p, "%s: bad escape '\\%c' (expected \\xHH \\e \\r \\n \\t \\\\)",
				     key, *c ? *c : ' ');
				return -1;
			}
		}
		if (n >= cap) {
			fail(p, "%s: inject sequence longer than %zu bytes", key, cap);
			return -1;
		}
		out[n++] = (char)b;
	}
	if (n == 0) {
		fail(p, "%s: empty inject sequence", key);
		return -1;
	}
	return (int)n;
}

/* A path relative to the guest's home that cannot leave it: no leading
 * '/', no empty or ".." component, only [A-Za-z0-9_/-]. */
static bool relative_path_valid(const char *path, size_t len)
{
	if (len == 0 || path[0] == '/' || path[len - 1] == '/')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = path[i];
		if (!(isalnum((unsigned char)c) || c == '_' || c == '-' || c == '/'))
			return false;
		if (c == '/' && path[i + 1] == '/')
			return false;
	}
	return true; /* '.' is not in the set, so ".." cannot occur */
}

/* "<action> [| <label>]" into *d (key already set). 0, or -1 after fail(). */
static int parse_hotkey_value(struct parser *p, const char *key, const char *value,
			      struct hotkey_def *d)
{
	char buf[XCMUX_CONFIG_LINE_MAX + 1];
	snprintf(buf, sizeof(buf), "%s", value);
	char *bar = strchr(buf, '|');
	char *label = NULL;
	if (bar) {
		*bar = '\0';
		label = trim(bar + 1);
	}
	char *action = trim(buf);
	if (strcasecmp(action, "off") == 0) {
		if (label) {
			fail(p, "%s: 'off' takes no label", key);
			return -1;
		}
		d->action = HK_ACT_OFF;
		return 0;
	}
	if (label) {
		if (!*label || strlen(label) > XCMUX_HOTKEY_LABEL_MAX || !printable(label)) {
			fail(p, "%s: label must be 1..%d printable characters", key,
			     XCMUX_HOTKEY_LABEL_MAX);
			return -1;
		}
	}
	if (strncmp(action, "inject:", 7) == 0) {
		int n = decode_inject(p, key, action + 7, d->arg, XCMUX_HOTKEY_ARG_MAX);
		if (n < 0)
			return -1;
		d->action = HK_ACT_INJECT;
		d->arg_len = (uint8_t)n;
	} else if (strncmp(action, "sysrq:", 6) == 0) {
		const char *c = action + 6;
		if (c[0] == '\0' || c[1] != '\0' || !isgraph((unsigned char)c[0])) {
			fail(p, "%s: sysrq takes one printable character (sysrq:t)", key);
			return -1;
		}
		d->action = HK_ACT_SYSRQ;
		d->arg[0] = c[0];
		d->arg_len = 1;
	} else if (strcmp(action, "nmi") == 0) {
		d->action = HK_ACT_NMI;
	} else if (strncmp(action, "debug-keys:", 11) == 0) {
		const char *k = action + 11;
		size_t n = strlen(k);
		if (n == 0 || n > 32) {
			fail(p, "%s: debug-keys takes 1..32 keys", key);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			if (!isgraph((unsigned char)k[i])) {
				fail(p, "%s: debug-keys: keys must be printable, no spaces", key);
				return -1;
			}
		}
		d->action = HK_ACT_DEBUG_KEYS;
		memcpy(d->arg, k, n + 1);
		d->arg_len = (uint8_t)n;
	} else if (strncmp(action, "xenstore:", 9) == 0) {
		const char *pv = action + 9;
		const char *eq = strchr(pv, '=');
		size_t plen = eq ? (size_t)(eq - pv) : 0;
		if (!eq || !relative_path_valid(pv, plen)) {
			fail(p, "%s: xenstore takes <relative-path>=<value>, the path made of "
			     "[A-Za-z0-9_/-] with no leading '/'", key);
			return -1;
		}
		size_t vlen = strlen(eq + 1);
		if (plen + 1 + vlen > XCMUX_HOTKEY_ARG_MAX || !printable(eq + 1)) {
			fail(p, "%s: xenstore path=value must be printable and at most %d bytes",
			     key, XCMUX_HOTKEY_ARG_MAX);
			return -1;
		}
		d->action = HK_ACT_XENSTORE;
		memcpy(d->arg, pv, plen);
		d->arg[plen] = '\0';
		memcpy(d->arg + plen + 1, eq + 1, vlen + 1);
		d->value_off = (uint8_t)(plen + 1);
		d->arg_len = (uint8_t)(plen + 1 + vlen);
	} else {
		fail(p, "%s: unknown action '%.40s' (expected inject:, sysrq:, nmi, "
		     "debug-keys:, xenstore: or off)", key, action);
		return -1;
	}
	/* Shown by `xcmux hotkeys`: the action as written, cut to fit. */
	snprintf(d->text, sizeof(d->text), "%.*s", XCMUX_HOTKEY_TEXT_MAX, action);
	snprintf(d->label, sizeof(d->label), "%s", label ? label : d->text);
	return 0;
}

/* "off" or "<NEWKEY> [| <label>]". */
static int parse_rule_value(struct parser *p, const char *key, const char *value,
			    struct guest_hotkey_rule *r)
{
	char buf[XCMUX_CONFIG_LINE_MAX + 1];
	snprintf(buf, sizeof(buf), "%s", value);
	char *bar = strchr(buf, '|');
	char *label = NULL;
	if (bar) {
		*bar = '\0';
		label = trim(bar + 1);
	}
	char *nk = trim(buf);
	if (strcasecmp(nk, "off") == 0 && !label) {
		r->hide = true;
		return 0;
	}
	if (nk[0] == '\0' || nk[1] != '\0' || !hotkey_key_valid((unsigned char)nk[0])) {
		fail(p, "%s: expected off, or a key [0-9A-Za-z] (not b f r w) with an "
		     "optional | label", key);
		return -1;
	}
	if (label && (!*label || strlen(label) > XCMUX_HOTKEY_LABEL_MAX || !printable(label))) {
		fail(p, "%s: label must be 1..%d printable characters", key,
		     XCMUX_HOTKEY_LABEL_MAX);
		return -1;
	}
	r->new_key = (uint8_t)nk[0];
	snprintf(r->label, sizeof(r->label), "%s", label ? label : "");
	return 0;
}

/* hotkey.<K> and guest_hotkey.<K>: returns 1 if NAME is one (handled,
 * maybe failed), 0 if it is some other key. */
static int handle_hotkey_key(struct parser *p, const char *name, const char *value,
			     struct console_cfg *cc)
{
	bool rule;
	const char *k;
	if (strncmp(name, HOTKEY_PREFIX, strlen(HOTKEY_PREFIX)) == 0) {
		rule = false;
		k = name + strlen(HOTKEY_PREFIX);
	} else if (strncmp(name, GUEST_HOTKEY_PREFIX, strlen(GUEST_HOTKEY_PREFIX)) == 0) {
		rule = true;
		k = name + strlen(GUEST_HOTKEY_PREFIX);
	} else {
		return 0;
	}
	if (k[0] == '\0' || k[1] != '\0' || !hotkey_key_valid((unsigned char)k[0])) {
		fail(p, "bad hotkey key in '%s': one of [0-9A-Za-z] except b f r w "
		     "(escape commands)", name);
		return 1;
	}
	uint8_t key = (uint8_t)k[0];
	uint64_t bit = 1ull << key_bit(key);
	uint64_t *seen = rule ? &p->seen_rules : &p->seen_hotkeys;
	if (*seen & bit) {
		fail(p, "duplicate key '%s' in this section", name);
		return 1;
	}
	*seen |= bit;
	struct hotkey_cfg **own = p->dom ? &p->dom->hotkeys : &p->cfg->global_hotkeys;
	if (!*own && !(*own = calloc(1, sizeof(**own)))) {
		fail(p, "out of memory");
		return 1;
	}
	struct hotkey_cfg *h = *own;
	if (!p->dom)
		cc->hotkeys = h;
	if (rule) {
		struct guest_hotkey_rule r = { .key = key };
		if (parse_rule_value(p, name, value, &r) < 0)
			return 1;
		if (h->nrules >= XCMUX_CONFIG_HOTKEYS_MAX) {
			fail(p, "more than %d guest_hotkey rules in this section",
			     XCMUX_CONFIG_HOTKEYS_MAX);
			return 1;
		}
		h->rule[h->nrules++] = r;
		return 1;
	}
	struct hotkey_def d = { .key = key };
	if (parse_hotkey_value(p, name, value, &d) < 0)
		return 1;
	if (d.action == HK_ACT_OFF && !p->dom)
		return 1; /* nothing to remove in [global] */
	if (h->n >= XCMUX_CONFIG_HOTKEYS_MAX) {
		fail(p, "more than %d hotkeys in this section", XCMUX_CONFIG_HOTKEYS_MAX);
		return 1;
	}
	h->def[h->n++] = d;
	return 1;
}

/* "N/SECONDS" or off. */
static int parse_hotkey_rate(struct parser *p, const char *key, const char *v,
			     struct console_cfg *cc)
{
	if (strcasecmp(v, "off") == 0) {
		cc->hotkey_rate_n = 0;
		cc->hotkey_rate_s = 0;
		return 0;
	}
	const char *s = v;
	uint64_t n, sec;
	if (parse_digits(&s, 10, &n) < 0 || *s != '/' || (s++, parse_digits(&s, 10, &sec) < 0) ||
	    *s != '\0' || n < 1 || n > XCMUX_HOTKEY_RATE_N_MAX || sec < 1 ||
	    sec > XCMUX_HOTKEY_RATE_S_MAX) {
		fail(p, "%s: bad rate '%s' (expected N/SECONDS, N 1..%d, SECONDS 1..%d, or off)",
		     key, v, XCMUX_HOTKEY_RATE_N_MAX, XCMUX_HOTKEY_RATE_S_MAX);
		return -1;
	}
	cc->hotkey_rate_n = (unsigned)n;
	cc->hotkey_rate_s = (unsigned)sec;
	return 0;
}

/* "5", "5s" or "500ms". */
static int parse_ack_timeout(struct parser *p, const char *key, const char *v,
			     struct console_cfg *cc)
{
	const char *s = v;
	uint64_t n;
	if (parse_digits(&s, 10, &n) == 0 && n <= XCMUX_ACK_TIMEOUT_MAX_MS) {
		uint64_t ms = UINT64_MAX;
		if (*s == '\0' || strcmp(s, "s") == 0)
			ms = n * 1000;
		else if (strcmp(s, "ms") == 0)
			ms = n;
		if (ms >= XCMUX_ACK_TIMEOUT_MIN_MS && ms <= XCMUX_ACK_TIMEOUT_MAX_MS) {
			cc->ack_timeout_ms = (unsigned)ms;
			return 0;
		}
	}
	fail(p, "%s: bad timeout '%s' (seconds, or N ms; %dms..%ds)", key, v,
	     XCMUX_ACK_TIMEOUT_MIN_MS, XCMUX_ACK_TIMEOUT_MAX_MS / 1000);
	return -1;
}

const struct hotkey_def *hotkey_cfg_find(const struct hotkey_cfg *h, uint8_t key)
{
	for (unsigned i = 0; i < h->n && i < XCMUX_CONFIG_HOTKEYS_MAX; i++)
		if (h->def[i].key == key)
			return &h->def[i];
	return NULL;
}

const struct guest_hotkey_rule *hotkey_rule_find(const struct hotkey_cfg *h, uint8_t key)
{
	for (unsigned i = 0; i < h->nrules && i < XCMUX_CONFIG_HOTKEYS_MAX; i++)
		if (h->rule[i].key == key)
			return &h->rule[i];
	return NULL;
}

/* Section hotkeys override the resolved ones key by key; "off" removes.
 * Beyond XCMUX_CONFIG_HOTKEYS_MAX per console, additions are ignored. */
static void merge_hotkeys(struct hotkey_cfg *into, const struct hotkey_cfg *from)
{
	for (unsigned i = 0; i < from->n; i++) {
		const struct hotkey_def *d = &from->def[i];
		unsigned j;
		for (j = 0; j < into->n; j++)
			if (into->def[j].key == d->key)
				break;
		if (d->action == HK_ACT_OFF) {
			if (j < into->n) {
				memmove(&into->def[j], &into->def[j + 1],
					(into->n - j - 1) * sizeof(into->def[0]));
				into->n--;
			}
		} else if (j < into->n) {
			into->def[j] = *d;
		} else if (into->n < XCMUX_CONFIG_HOTKEYS_MAX) {
			into->def[into->n++] = *d;
		}
	}
	for (unsigned i = 0; i < from->nrules; i++) {
		const struct guest_hotkey_rule *r = &from->rule[i];
		unsigned j;
		for (j = 0; j < into->nrules; j++)
			if (into->rule[j].key == r->key)
				break;
		if (j < into->nrules)
			into->rule[j] = *r;
		else if (into->nrules < XCMUX_CONFIG_HOTKEYS_MAX)
			into->rule[into->nrules++] = *r;
	}
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
	cfg->max_conn_per_user = XCMUX_DEFAULT_CONN_PER_USER;
	cfg->max_sessions_per_user = XCMUX_DEFAULT_SESSIONS_PER_USER;
	cfg->reserved_conn = XCMUX_DEFAULT_RESERVED_CONN;
	cfg->reserved_sessions = XCMUX_DEFAULT_RESERVED_SESSIONS;

	struct console_cfg *cc = &cfg->global;
	cc->log = true;
	cc->log_target = LOG_TARGET_FILE;
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
	cc->hotkey_acl_set = false;
	cc->guest_hotkeys = true;
	cc->hotkey_rate_n = 2;
	cc->hotkey_rate_s = 10;
	cc->ack_timeout_ms = 5000;
	cc->hotkeys = &no_hotkeys;
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
	case K_LOG_TARGET: {
		static const struct keyword words[] = {
			{ "file", LOG_TARGET_FILE },
			{ "journal", LOG_TARGET_JOURNAL },
			{ "both", LOG_TARGET_BOTH },
		};
		int t;
		if (parse_keyword(p, key, v, "target", words, 3, &t) < 0)
			return -1;
		cc->log_target = (enum log_target)t;
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
		if (size_syntax(v, true) &&
		    (config_parse_size(v, &n) < 0 || n > XCMUX_OUTBUF_MAX)) {
			/* Too large to hold, or past the maximum: a range
			 * error, whatever its bits look like. */
			fail(p, "%s: '%s' out of range (%uk..%uM, a power of two)", key, v,
			     XCMUX_OUTBUF_MIN >> 10, XCMUX_OUTBUF_MAX >> 20);
			return -1;
		}
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
	case K_WRITE_POLICY: {
		static const struct keyword words[] = {
			{ "single", WRITE_POLICY_SINGLE },
			{ "shared", WRITE_POLICY_SHARED },
		};
		int t;
		if (parse_keyword(p, key, v, "policy", words, 2, &t) < 0)
			return -1;
		cc->policy = (enum write_policy)t;
		return 0;
	}
	case K_PTY: {
		static const struct keyword words[] = {
			{ "rw", PTY_RW },
			{ "ro", PTY_RO },
			{ "off", PTY_OFF },
		};
		int t;
		if (parse_keyword(p, key, v, "pty mode", words, 3, &t) < 0)
			return -1;
		cc->pty = (enum pty_mode)t;
		return 0;
	}
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
	case K_HOTKEY_ACL:
		cc->hotkey_acl_set = true;
		return parse_acl(p, key, v, &cc->hotkey);
	case K_GUEST_HOTKEYS:
		if (parse_bool(v, &cc->guest_hotkeys) < 0) {
			fail(p, "%s: bad boolean '%s' (expected on or off)", key, v);
			return -1;
		}
		return 0;
	case K_HOTKEY_RATE:
		return parse_hotkey_rate(p, key, v, cc);
	case K_ACK_TIMEOUT:
		return parse_ack_timeout(p, key, v, cc);
	default:
		fail(p, "internal: key %s not per-console", key);
		return -1;
	}
}

/* A decimal count in MIN..MAX (the per-user and reserved limits). */
static int parse_count(struct parser *p, const char *key, const char *v,
		       unsigned min, unsigned max, unsigned *out)
{
	const char *s = v;
	uint64_t n;
	if (!size_syntax(v, false)) {
		fail(p, "%s: bad count '%s' (expected a number)", key, v);
		return -1;
	}
	if (parse_digits(&s, 10, &n) < 0 || n < min || n > max) {
		fail(p, "%s: %s out of range (%u..%u)", key, v, min, max);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
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
	case K_MAX_CONN_PER_USER:
		return parse_count(p, key, v, 1, XCMUX_MAX_CLIENTS, &cfg->max_conn_per_user);
	case K_MAX_SESSIONS_PER_USER:
		return parse_count(p, key, v, 1, XCMUX_MAX_SESSIONS_PER_CONSOLE,
				   &cfg->max_sessions_per_user);
	case K_RESERVED_CONN:
		return parse_count(p, key, v, 0, XCMUX_MAX_CLIENTS / 2, &cfg->reserved_conn);
	case K_RESERVED_SESSIONS:
		return parse_count(p, key, v, 0, XCMUX_MAX_SESSIONS_PER_CONSOLE / 2,
				   &cfg->reserved_sessions);
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
		p->seen_hotkeys = 0;
		p->seen_rules = 0;
		p->dom = NULL;
		if (p->header_is_domain) {
			p->dom = new_domain_section(p, p->header_glob);
			if (!p->dom)
				return 0;
		}
	}
	if (handle_hotkey_key(p, name, value, p->dom ? &p->dom->values : &p->cfg->global))
		return !p->failed;
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
	/* A UTF-8 byte order mark (editors on other systems write one) is
	 * not part of the first line's text. */
	if (p->lineno == 1 && n >= 3 && memcmp(p->line_buf, "\xef\xbb\xbf", 3) == 0) {
		memmove(p->line_buf, p->line_buf + 3, (size_t)n - 2);
		n -= 3;
	}
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
	struct hotkey_tables *tables = calloc(1, sizeof(*tables));

	if (!cfg || !tables) {
		free(cfg);
		free(tables);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	config_defaults(cfg);
	cfg->hotkey_tables = tables;
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
	for (size_t i = 0; i < cfg->ndomains; i++)
		free(cfg->domains[i].hotkeys);
	free(cfg->domains);
	free(cfg->global_hotkeys);
	if (cfg->hotkey_tables) {
		struct resolved_hotkeys *r, *next;
		for (r = cfg->hotkey_tables->head; r; r = next) {
			next = r->next;
			free(r);
		}
		free(cfg->hotkey_tables);
	}
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
	TAKE(K_LOG_TARGET, log_target);
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
	TAKE(K_GUEST_HOTKEYS, guest_hotkeys);
	TAKE(K_HOTKEY_RATE, hotkey_rate_n);
	TAKE(K_HOTKEY_RATE, hotkey_rate_s);
	TAKE(K_ACK_TIMEOUT, ack_timeout_ms);
	TAKE(K_HOTKEY_ACL, hotkey);
	TAKE(K_HOTKEY_ACL, hotkey_acl_set);
#undef TAKE
}

/* The shared table for the sections KEY[0..NKEY) (in file order), merged
 * over [global]'s; built the first time a console needs it. */
static const struct hotkey_cfg *resolved_table(const struct config *cfg, const unsigned *key,
					       unsigned nkey)
{
	struct hotkey_tables *t = cfg->hotkey_tables;
	if (!t)
		return &no_hotkeys;
	for (struct resolved_hotkeys *r = t->head; r; r = r->next)
		if (r->nkey == nkey && memcmp(r->key, key, nkey * sizeof(key[0])) == 0)
			return &r->table;
	if (t->n >= XCMUX_CONFIG_HOTKEY_TABLES_MAX)
		return &no_hotkeys;
	struct resolved_hotkeys *r = malloc(sizeof(*r) + nkey * sizeof(key[0]));
	if (!r)
		return &no_hotkeys;
	r->table = *cfg->global.hotkeys;
	for (unsigned i = 0; i < nkey; i++)
		merge_hotkeys(&r->table, cfg->domains[key[i]].hotkeys);
	r->nkey = nkey;
	memcpy(r->key, key, nkey * sizeof(key[0]));
	r->next = t->head;
	t->head = r;
	t->n++;
	return &r->table;
}

void config_for_domain(const struct config *cfg, const char *name,
		       struct console_cfg *out)
{
	unsigned key[XCMUX_CONFIG_MAX_DOMAIN_SECTIONS];
	unsigned nkey = 0;

	*out = cfg->global;
	for (size_t i = 0; i < cfg->ndomains && i < XCMUX_CONFIG_MAX_DOMAIN_SECTIONS; i++) {
		if (fnmatch(cfg->domains[i].glob, name, 0) != 0)
			continue;
		apply_section(out, &cfg->domains[i]);
		if (cfg->domains[i].hotkeys)
			key[nkey++] = (unsigned)i;
	}
	if (nkey)
		out->hotkeys = resolved_table(cfg, key, nkey);
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

bool hotkey_access(const struct console_cfg *cc, uid_t uid, gid_t primary,
		   const gid_t *groups, int ngroups)
{
	if (uid == 0 || acl_allows(&cc->admin, uid, primary, groups, ngroups))
		return true;
	return acl_allows(cc->hotkey_acl_set ? &cc->hotkey : &cc->write, uid, primary, groups,
			  ngroups);
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
