/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the config key table (daemon/config-keys.h): every row is
 * well formed, its default is valid and within its bounds, the man page
 * and the sample config document it, and it parses and merges through
 * config_load like any key. A new row is covered by these without a line
 * of test code; its own behaviour wants its own test in test-config.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/config-keys.h"
#include "daemon/config.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

static uint64_t load_field(const void *base, size_t off, size_t size)
{
    const unsigned char *p = (const unsigned char *)base + off;
    switch (size) {
    case 1:
        return *p;
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    default: {
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_rows_well_formed(void **state)
{
    (void)state;
    assert_true(CONFIG_NKEYS <= 32); /* one bit per row in a section mask */
    for (size_t i = 0; i < CONFIG_NKEYS; i++) {
        const struct config_key *k = &config_keys[i];
        assert_non_null(k->name);
        assert_non_null(k->help);
        assert_true(k->help[0] != '\0');
        assert_ptr_equal(config_key_find(k->name), k);
        for (size_t j = 0; j < i; j++)
            if (strcmp(config_keys[j].name, k->name) == 0)
                fail_msg("key '%s' twice in the table", k->name);
        /* A key is not mistaken for a hotkey.<K> family member. */
        assert_int_equal(strncmp(k->name, "hotkey.", 7) == 0, 0);
        size_t limit =
            k->scope == CONFIG_GLOBAL ? sizeof(struct config) : sizeof(struct console_cfg);
        assert_true(k->off + k->size <= limit);
        assert_true(k->size2 == 0 || k->off2 + k->size2 <= limit);
        assert_true(k->min <= k->max);
        if (k->type == CT_KEYWORD) {
            assert_non_null(k->words);
            assert_true(k->nwords > 0);
            assert_non_null(k->what);
        }
        if (k->type != CT_PATH && k->type != CT_ACL)
            assert_true(k->size == 1 || k->size == 2 || k->size == 4 || k->size == 8);
    }
    assert_null(config_key_find("no_such_key"));
}

/* Every default parses through its own setter and lies within the row's
 * bounds; rows without a default say so in their help. */
static void test_defaults_within_bounds(void **state)
{
    (void)state;
    for (size_t i = 0; i < CONFIG_NKEYS; i++) {
        const struct config_key *k = &config_keys[i];
        struct config cfg;
        memset(&cfg, 0, sizeof(cfg));
        void *base = k->scope == CONFIG_GLOBAL ? (void *)&cfg : (void *)&cfg.global;
        char why[256] = "";
        if (!k->def) {
            assert_non_null(strstr(k->help, "default"));
            continue;
        }
        if (config_key_set(k, base, k->def, why, sizeof(why)) != 0)
            fail_msg("default of '%s' (%s) rejected: %s", k->name, k->def, why);
        uint64_t v = load_field(base, k->off, k->size);
        switch (k->type) {
        case CT_COUNT:
        case CT_NUMBER:
        case CT_BUFFER_SIZE:
        case CT_DURATION:
        case CT_MODE:
            if (v < k->min || v > k->max)
                fail_msg("default of '%s' out of bounds", k->name);
            break;
        case CT_SIZE:
            if (v != 0 && (v < k->min || v > k->max))
                fail_msg("default of '%s' out of bounds", k->name);
            break;
        case CT_RATE:
            if (v != 0 &&
                (v < k->min || v > k->max || load_field(base, k->off2, k->size2) > k->max2))
                fail_msg("default of '%s' out of bounds", k->name);
            break;
        default:
            break;
        }
    }
    /* The built-in config is exactly the table's defaults: every row
     * with a default holds, in the loaded config, the bytes its setter
     * writes into a zeroed struct (both fields where it sets two). */
    struct config *cfg = NULL;
    char err[256];
    assert_int_equal(config_load(NULL, &cfg, err, sizeof(err)), 0);
    for (size_t i = 0; i < CONFIG_NKEYS; i++) {
        const struct config_key *k = &config_keys[i];
        if (!k->def)
            continue;
        struct config want;
        memset(&want, 0, sizeof(want));
        void *base = k->scope == CONFIG_GLOBAL ? (void *)&want : (void *)&want.global;
        const void *got =
            k->scope == CONFIG_GLOBAL ? (const void *)cfg : (const void *)&cfg->global;
        char why[256] = "";
        assert_int_equal(config_key_set(k, base, k->def, why, sizeof(why)), 0);
        if (memcmp((const char *)got + k->off, (const char *)base + k->off, k->size) != 0)
            fail_msg("loaded default of '%s' is not its row's (%s)", k->name, k->def);
        if (k->size2 &&
            memcmp((const char *)got + k->off2, (const char *)base + k->off2, k->size2) != 0)
            fail_msg("loaded default of '%s' (second field) is not its row's", k->name);
    }
    /* ... and those rows say what the man page says. */
    assert_int_equal(cfg->global.escape, 0x1d);
    assert_int_equal(cfg->global.ack_timeout_ms, 5000);
    assert_int_equal(cfg->global.buffer_size, 64 << 10);
    assert_int_equal(cfg->socket_mode, 0660);
    config_free(cfg);
}

/* The man page has a tagged paragraph for every row, and the sample config
 * names every row (commented out where the default depends on the host). */
static void test_documented(void **state)
{
    (void)state;
    char *man = slurp(TOP_SRCDIR "/man/xcmuxd.conf.5");
    char *conf = slurp(TOP_SRCDIR "/conf/xcmuxd.conf");
    assert_non_null(man);
    assert_non_null(conf);
    for (size_t i = 0; i < CONFIG_NKEYS; i++) {
        char needle[96], commented[96];
        snprintf(needle, sizeof(needle), "\n.B %s\n", config_keys[i].name);
        if (!strstr(man, needle))
            fail_msg("man/xcmuxd.conf.5 does not document '%s'", config_keys[i].name);
        snprintf(needle, sizeof(needle), "\n%s = ", config_keys[i].name);
        snprintf(commented, sizeof(commented), "\n#%s = ", config_keys[i].name);
        if (!strstr(conf, needle) && !strstr(conf, commented))
            fail_msg("conf/xcmuxd.conf does not mention '%s'", config_keys[i].name);
    }
    /* The hotkey families, which are the hotkey subsystem's. */
    assert_non_null(strstr(man, "\n.BI hotkey. K\n"));
    assert_non_null(strstr(man, "\n.BI guest_hotkey. K\n"));
    free(man);
    free(conf);
}

static char conf_path[64];

/* A valid value of console key K other than its default. */
static const char *other_value(const struct config_key *k, char *buf, size_t len)
{
    switch (k->type) {
    case CT_BOOL:
        return strcmp(k->def, "on") == 0 ? "off" : "on";
    case CT_KEYWORD:
        return strcasecmp(k->def, k->words[0].word) == 0 ? k->words[k->nwords - 1].word
                                                         : k->words[0].word;
    case CT_SIZE:
    case CT_COUNT:
    case CT_NUMBER:
    case CT_BUFFER_SIZE:
        snprintf(buf, len, "%llu", (unsigned long long)k->max);
        return buf;
    case CT_DURATION:
        snprintf(buf, len, "%llums", (unsigned long long)k->min);
        return buf;
    case CT_ESCAPE:
        return "~";
    case CT_RATE:
        return "off";
    case CT_ACL:
        return "uid:4242";
    default:
        fail_msg("no other value for '%s'", k->name);
        return NULL;
    }
}

static int load_text(const char *text, struct config **cfg, char *err, size_t errlen)
{
    FILE *f = fopen(conf_path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return config_load(conf_path, cfg, err, errlen);
}

/* Each row with a default parses from a file in its scope, is refused in
 * the other, and a console key in a [domain:] section reaches exactly the
 * matching guests (the merge). */
static void test_rows_through_config_load(void **state)
{
    (void)state;
    snprintf(conf_path, sizeof(conf_path), "/tmp/xcmux-test-keys.XXXXXX");
    int fd = mkstemp(conf_path);
    assert_true(fd >= 0);
    close(fd);
    for (size_t i = 0; i < CONFIG_NKEYS; i++) {
        const struct config_key *k = &config_keys[i];
        const char *v = k->def ? k->def : "root";
        char text[256], err[512], buf[32];
        struct config *cfg = NULL;
        snprintf(text, sizeof(text), "[global]\n%s = %s\n", k->name, v);
        if (k->type == CT_GROUP)
            snprintf(text, sizeof(text), "[global]\n%s = none\n", k->name);
        if (load_text(text, &cfg, err, sizeof(err)) != 0)
            fail_msg("[global] %s = %s: %s", k->name, v, err);
        config_free(cfg);
        cfg = NULL;
        if (k->scope == CONFIG_CONSOLE)
            v = other_value(k, buf, sizeof(buf));
        snprintf(text, sizeof(text), "[global]\n[domain:web*]\n%s = %s\n", k->name, v);
        int rc = load_text(text, &cfg, err, sizeof(err));
        if (k->scope == CONFIG_GLOBAL) {
            assert_int_equal(rc, -1);
            assert_non_null(strstr(err, "only allowed in [global]"));
            continue;
        }
        if (rc != 0)
            fail_msg("[domain:] %s = %s: %s", k->name, v, err);
        /* The section's value reaches web1 only, in the row's field,
         * and nothing else of web1 changes. */
        struct console_cfg web, db;
        config_for_domain(cfg, "web1", &web);
        config_for_domain(cfg, "db1", &db);
        if (memcmp((char *)&web + k->off, (char *)&db + k->off, k->size) == 0)
            fail_msg("[domain:web*] %s = %s did not reach web1", k->name, v);
        for (size_t j = 0; j < CONFIG_NKEYS; j++) {
            const struct config_key *o = &config_keys[j];
            if (j == i || o->scope != CONFIG_CONSOLE)
                continue;
            if (memcmp((char *)&web + o->off, (char *)&db + o->off, o->size) != 0)
                fail_msg("%s in [domain:] changed %s too", k->name, o->name);
        }
        config_free(cfg);
    }
    unlink(conf_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_well_formed),
        cmocka_unit_test(test_defaults_within_bounds),
        cmocka_unit_test(test_documented),
        cmocka_unit_test(test_rows_through_config_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
