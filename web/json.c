// SPDX-License-Identifier: GPL-2.0-or-later
/* json.c — a bounded encoder and a flat-object parser (json.h). */
#include "web/json.h"

#include <stdio.h>
#include <string.h>

void json_out_init(struct json_out *o, char *buf, size_t cap)
{
    o->buf = buf;
    o->cap = cap;
    o->len = 0;
    o->overflow = cap == 0;
    if (cap)
        buf[0] = '\0';
}

static void put(struct json_out *o, const char *s, size_t n)
{
    if (o->overflow || n + 1 > o->cap - o->len) {
        o->overflow = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

void json_raw(struct json_out *o, const char *s)
{
    put(o, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t k;
    unsigned cp, min;
    if (c >= 0xC2 && c <= 0xDF)
        k = 1, cp = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        k = 2, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        k = 3, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (n < k + 1)
        return 0;
    for (size_t i = 1; i <= k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return k + 1;
}

void json_str(struct json_out *o, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    put(o, "\"", 1);
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\', esc[1] = (char)c;
            put(o, esc, 2);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            put(o, esc, 6);
            i++;
        } else if (c < 0x80) {
            put(o, (const char *)u + i, 1);
            i++;
        } else {
            size_t k = utf8_seq(u + i, n - i);
            if (k) {
                put(o, (const char *)u + i, k);
                i += k;
            } else {
                put(o, "\xEF\xBF\xBD", 3);
                i++;
            }
        }
    }
    put(o, "\"", 1);
}

void json_cstr(struct json_out *o, const char *s)
{
    json_str(o, s, strlen(s));
}

void json_u64(struct json_out *o, uint64_t v)
{
    char b[24];
    int n = snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
    put(o, b, (size_t)n);
}

void json_i64(struct json_out *o, int64_t v)
{
    char b[24];
    int n = snprintf(b, sizeof(b), "%lld", (long long)v);
    put(o, b, (size_t)n);
}

void json_bool(struct json_out *o, bool v)
{
    json_raw(o, v ? "true" : "false");
}

void json_key(struct json_out *o, const char *key, bool first)
{
    if (!first)
        put(o, ",", 1);
    json_cstr(o, key);
    put(o, ":", 1);
}

/* ---- parser ---- */

struct in {
    const char *s;
    size_t n, i;
};

static void ws(struct in *p)
{
    while (p->i < p->n &&
           (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
}

static int hex4(struct in *p, unsigned *v)
{
    if (p->n - p->i < 4)
        return -1;
    *v = 0;
    for (int k = 0; k < 4; k++) {
        char c = p->s[p->i++];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return -1;
        *v = *v << 4 | d;
    }
    return 0;
}

static int emit(char *out, size_t cap, size_t *o, const char *b, size_t k)
{
    if (*o + k > cap)
        return -1;
    memcpy(out + *o, b, k);
    *o += k;
    return 0;
}

/* A string at p (the opening quote) into out (cap bytes before the NUL). */
static int string(struct in *p, char *out, size_t cap)
{
    size_t o = 0;
    if (p->i >= p->n || p->s[p->i] != '"')
        return -1;
    p->i++;
    for (;;) {
        if (p->i >= p->n)
            return -1;
        unsigned char c = (unsigned char)p->s[p->i];
        if (c == '"') {
            p->i++;
            out[o] = '\0';
            return 0;
        }
        if (c < 0x20)
            return -1;
        if (c != '\\') {
            /* The caller checked the whole text is UTF-8. */
            if (emit(out, cap, &o, (const char *)&c, 1))
                return -1;
            p->i++;
            continue;
        }
        p->i++;
        if (p->i >= p->n)
            return -1;
        char e = p->s[p->i++], ch;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            ch = e;
            break;
        case 'b':
            ch = '\b';
            break;
        case 'f':
            ch = '\f';
            break;
        case 'n':
            ch = '\n';
            break;
        case 'r':
            ch = '\r';
            break;
        case 't':
            ch = '\t';
            break;
        case 'u': {
            unsigned cp;
            if (hex4(p, &cp))
                return -1;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (p->n - p->i < 2 || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
                    return -1;
                p->i += 2;
                if (hex4(p, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    return -1;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return -1;
            }
            if (cp == 0)
                return -1;
            char b[4];
            size_t k;
            if (cp < 0x80) {
                b[0] = (char)cp, k = 1;
            } else if (cp < 0x800) {
                b[0] = (char)(0xC0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3F)), k = 2;
            } else if (cp < 0x10000) {
                b[0] = (char)(0xE0 | cp >> 12), b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                b[2] = (char)(0x80 | (cp & 0x3F)), k = 3;
            } else {
                b[0] = (char)(0xF0 | cp >> 18), b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
                b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), b[3] = (char)(0x80 | (cp & 0x3F));
                k = 4;
            }
            if (emit(out, cap, &o, b, k))
                return -1;
            continue;
        }
        default:
            return -1;
        }
        if (emit(out, cap, &o, &ch, 1))
            return -1;
    }
}

static bool lit(struct in *p, const char *w)
{
    size_t k = strlen(w);
    if (p->n - p->i < k || memcmp(p->s + p->i, w, k) != 0)
        return false;
    p->i += k;
    return true;
}

static int number(struct in *p, int64_t *v)
{
    bool neg = false;
    if (p->i < p->n && p->s[p->i] == '-') {
        neg = true;
        p->i++;
    }
    size_t start = p->i;
    uint64_t x = 0;
    while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
        unsigned d = (unsigned)(p->s[p->i] - '0');
        if (x > (UINT64_C(9223372036854775808) - d) / 10)
            return -1;
        x = x * 10 + d;
        p->i++;
    }
    size_t nd = p->i - start;
    if (nd == 0 || (nd > 1 && p->s[start] == '0'))
        return -1;
    if (p->i < p->n && (p->s[p->i] == '.' || p->s[p->i] == 'e' || p->s[p->i] == 'E'))
        return -1;
    if (!neg && x > INT64_MAX)
        return -1;
    *v = neg ? (int64_t)(0 - x) : (int64_t)x;
    return 0;
}

int json_parse_flat(const char *s, size_t len, struct json_obj *out)
{
    struct in p = {s, len, 0};
    out->n = 0;
    ws(&p);
    if (p.i >= p.n || s[p.i] != '{')
        return -1;
    p.i++;
    ws(&p);
    if (p.i < p.n && s[p.i] == '}') {
        p.i++;
        goto end;
    }
    for (;;) {
        if (out->n == JSON_MAX_MEMBERS)
            return -1;
        struct json_member *m = &out->m[out->n];
        memset(m, 0, sizeof(*m));
        ws(&p);
        if (string(&p, m->key, JSON_MAX_KEY))
            return -1;
        for (size_t k = 0; k < out->n; k++)
            if (strcmp(out->m[k].key, m->key) == 0)
                return -1;
        ws(&p);
        if (p.i >= p.n || s[p.i] != ':')
            return -1;
        p.i++;
        ws(&p);
        if (p.i >= p.n)
            return -1;
        char c = s[p.i];
        if (c == '"') {
            m->kind = JSON_STRING;
            if (string(&p, m->str, JSON_MAX_STRING))
                return -1;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            m->kind = JSON_INT;
            if (number(&p, &m->num))
                return -1;
        } else if (lit(&p, "true")) {
            m->kind = JSON_BOOL, m->b = true;
        } else if (lit(&p, "false")) {
            m->kind = JSON_BOOL, m->b = false;
        } else if (lit(&p, "null")) {
            m->kind = JSON_NULL;
        } else {
            return -1;
        }
        out->n++;
        ws(&p);
        if (p.i >= p.n)
            return -1;
        if (s[p.i] == ',') {
            p.i++;
            continue;
        }
        if (s[p.i] == '}') {
            p.i++;
            break;
        }
        return -1;
    }
end:
    ws(&p);
    return p.i == p.n ? 0 : -1;
}

const struct json_member *json_get(const struct json_obj *o, const char *key)
{
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->m[i].key, key) == 0)
            return &o->m[i];
    return NULL;
}
