/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json.h — the little JSON xcmux-web speaks (protocol/WEB.md "Messages").
 *
 * Contract
 * - Pure, no allocation, no global state.
 * - Encoder: struct json_out writes into a caller buffer; once it would
 *   overflow it stops writing and remembers (json_out_ok() is false), so a
 *   caller composes a whole message and checks once. Strings are escaped
 *   per RFC 8259 (quote, backslash, controls as \u00XX); bytes that are
 *   not valid UTF-8 (guest-chosen domain names, daemon texts) become
 *   U+FFFD so the browser always gets valid UTF-8 text.
 * - Parser: json_parse_flat() accepts exactly one object whose members
 *   are strings, integers (no fraction/exponent, within int64), true,
 *   false or null; nested values, duplicate keys and more than
 *   JSON_MAX_MEMBERS members are refused. Keys and string values are
 *   decoded (escapes, surrogate pairs) into fixed fields and bounded.
 */
#ifndef XCMUX_WEB_JSON_H
#define XCMUX_WEB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_MEMBERS 8u
#define JSON_MAX_KEY     16u
#define JSON_MAX_STRING  128u

struct json_out {
    char *buf;
    size_t cap, len;
    bool overflow;
};

void json_out_init(struct json_out *o, char *buf, size_t cap);
void json_raw(struct json_out *o, const char *s);
/* A quoted, escaped string from n bytes. */
void json_str(struct json_out *o, const char *s, size_t n);
void json_cstr(struct json_out *o, const char *s);
void json_u64(struct json_out *o, uint64_t v);
void json_i64(struct json_out *o, int64_t v);
void json_bool(struct json_out *o, bool v);
/* ,"key": (comma unless first) — a helper for flat objects. */
void json_key(struct json_out *o, const char *key, bool first);
static inline bool json_out_ok(const struct json_out *o)
{
    return !o->overflow;
}

enum json_kind {
    JSON_STRING,
    JSON_INT,
    JSON_BOOL,
    JSON_NULL
};

struct json_member {
    char key[JSON_MAX_KEY + 1];
    enum json_kind kind;
    char str[JSON_MAX_STRING + 1]; /* JSON_STRING (NUL refused inside) */
    int64_t num;                   /* JSON_INT */
    bool b;                        /* JSON_BOOL */
};

struct json_obj {
    size_t n;
    struct json_member m[JSON_MAX_MEMBERS];
};

/* 0 on success, -1 when the text is not such an object. */
int json_parse_flat(const char *s, size_t len, struct json_obj *out);
/* The member named key, or NULL. */
const struct json_member *json_get(const struct json_obj *o, const char *key);

#endif
