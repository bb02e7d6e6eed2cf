/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.c — see config.h: the inih driver (line reader, section headers,
 * key dispatch, errors with FILE:LINE) and the resolution of a guest's
 * settings from [global] and the matching [domain:] sections.
 *
 * What a key means lives elsewhere: the schema, setters and defaults in
 * config-keys.c (one row per key), the value lexers in config-lex.c, the
 * hotkey language in hotkey-config.c, and the runtime ACL checks in
 * access.c.
 */
#include "daemon/config.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config-keys.h"
#include "daemon/hotkey-config.h"

#define DOMAIN_PREFIX "domain:"

struct domain_section {
    char glob[XCMUX_CONFIG_GLOB_MAX + 1];
    uint32_t set;               /* bit per config_keys[] row given in this section */
    struct console_cfg values;  /* values.hotkeys unused: see hotkeys */
    struct hotkey_cfg *hotkeys; /* this section's hotkey keys; NULL: none */
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
    uint32_t seen;                     /* config_keys[] rows seen in the current section instance */
    uint64_t seen_hotkeys, seen_rules; /* bit per hotkey key, same */
    struct domain_section *dom;        /* NULL in [global] */
    size_t domains_cap;
};

static void fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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

/* --- defaults ------------------------------------------------------------ */

static void config_defaults(struct config *cfg)
{
    char why[256];

    memset(cfg, 0, sizeof(*cfg));
    /* The table's defaults are checked by test-config-keys: this cannot
     * fail unless a row is wrong. */
    if (config_keys_defaults(cfg, why, sizeof(why)) < 0)
        abort();
    cfg->global.hotkeys = &no_hotkeys;
}

/* --- hotkey keys ----------------------------------------------------------- */

/* hotkey.<K> and guest_hotkey.<K>: returns 1 if NAME is one (handled,
 * maybe failed), 0 if it is some other key. */
static int handle_hotkey_key(struct parser *p, const char *name, const char *value,
                             struct console_cfg *cc)
{
    char why[256];
    bool rule;
    uint8_t key;
    int is = hotkey_parse_name(name, &rule, &key, why, sizeof(why));
    if (is == 0)
        return 0;
    if (is < 0) {
        fail(p, "%s", why);
        return 1;
    }
    uint64_t bit = 1ull << hotkey_key_bit(key);
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
        struct guest_hotkey_rule r = {.key = key};
        if (hotkey_parse_rule(name, value, &r, why, sizeof(why)) < 0) {
            fail(p, "%s", why);
            return 1;
        }
        if (h->nrules >= XCMUX_CONFIG_HOTKEYS_MAX) {
            fail(p, "more than %d guest_hotkey rules in this section", XCMUX_CONFIG_HOTKEYS_MAX);
            return 1;
        }
        h->rule[h->nrules++] = r;
        return 1;
    }
    struct hotkey_def d = {.key = key};
    if (hotkey_parse_def(name, value, &d, why, sizeof(why)) < 0) {
        fail(p, "%s", why);
        return 1;
    }
    if (d.action == HK_ACT_OFF && !p->dom)
        return 1; /* nothing to remove in [global] */
    if (h->n >= XCMUX_CONFIG_HOTKEYS_MAX) {
        fail(p, "more than %d hotkeys in this section", XCMUX_CONFIG_HOTKEYS_MAX);
        return 1;
    }
    h->def[h->n++] = d;
    return 1;
}

/* --- key handling -------------------------------------------------------- */

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

static int handle_key(void *user, const char *section, const char *name, const char *value)
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
    const struct config_key *k = config_key_find(name);
    if (!k) {
        fail(p, "unknown key '%s'", name);
        return 0;
    }
    uint32_t bit = 1u << (k - config_keys);
    if (p->seen & bit) {
        fail(p, "duplicate key '%s' in this section", name);
        return 0;
    }
    p->seen |= bit;

    void *base;
    if (p->dom) {
        if (k->scope == CONFIG_GLOBAL) {
            fail(p, "key '%s' is only allowed in [global]", name);
            return 0;
        }
        p->dom->set |= bit;
        base = &p->dom->values;
    } else {
        base = k->scope == CONFIG_GLOBAL ? (void *)p->cfg : (void *)&p->cfg->global;
    }
    char why[256];
    if (config_key_set(k, base, value, why, sizeof(why)) < 0) {
        fail(p, "%s", why);
        return 0;
    }
    return 1;
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
    while (content > 0 && (p->line_buf[content - 1] == '\n' || p->line_buf[content - 1] == '\r'))
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
        .cfg = cfg,
        .file = path,
        .err = err,
        .errlen = errlen,
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
            snprintf(err, errlen, "%s:%d: syntax error (expected [section] or key = value)", path,
                     rc);
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
    for (size_t i = 0; i < CONFIG_NKEYS; i++)
        if (config_keys[i].scope == CONFIG_CONSOLE && (d->set & (1u << i)))
            config_key_merge(&config_keys[i], cc, &d->values);
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
        hotkey_cfg_merge(&r->table, cfg->domains[key[i]].hotkeys);
    r->nkey = nkey;
    memcpy(r->key, key, nkey * sizeof(key[0]));
    r->next = t->head;
    t->head = r;
    t->n++;
    return &r->table;
}

void config_for_domain(const struct config *cfg, const char *name, struct console_cfg *out)
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

static unsigned serial_row(void)
{
    return (unsigned)(config_key_find("serial") - config_keys);
}

bool config_serial(const struct config *cfg, const char *name)
{
    uint32_t bit = 1u << serial_row();
    bool on = cfg->global.serial;
    for (size_t i = 0; i < cfg->ndomains && i < XCMUX_CONFIG_MAX_DOMAIN_SECTIONS; i++)
        if ((cfg->domains[i].set & bit) && fnmatch(cfg->domains[i].glob, name, 0) == 0)
            on = cfg->domains[i].values.serial;
    return on;
}

bool config_serial_anywhere(const struct config *cfg)
{
    uint32_t bit = 1u << serial_row();
    if (cfg->global.serial)
        return true;
    for (size_t i = 0; i < cfg->ndomains && i < XCMUX_CONFIG_MAX_DOMAIN_SECTIONS; i++)
        if ((cfg->domains[i].set & bit) && cfg->domains[i].values.serial)
            return true;
    return false;
}
