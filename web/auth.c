// SPDX-License-Identifier: GPL-2.0-or-later
/* auth.c — PAM on worker threads, sessions (auth.h). */
#include "web/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <security/pam_appl.h>

struct auth_job {
    struct auth *a;
    struct auth_job *next; /* running jobs */
    pthread_t thread;
    auth_cb cb;
    void *arg; /* NULL cb after auth_cancel */
    char user[WEB_MAX_USER + 1];
    char password[512];
    bool ok;
    struct web_ident id;
};

struct session {
    bool used;
    char token[AUTH_TOKEN_HEX + 1];
    long long born; /* CLOCK_BOOTTIME seconds */
    struct web_ident id;
};

struct auth {
    struct event_base *base;
    char service[64];
    char confdir[WEB_PATH_MAX]; /* "" = the system's */
    int pipe_r, pipe_w;
    struct event *ev;
    unsigned running;
    struct auth_job *jobs;
    struct session *sess; /* AUTH_MAX_SESSIONS */
};

bool web_user_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > WEB_MAX_USER)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || c == '_' ||
                  (i > 0 && ((c >= '0' && c <= '9') || c == '-' || c == '.' ||
                             (c >= 'A' && c <= 'Z') || (c == '$' && i == n - 1)));
        if (!ok)
            return false;
    }
    return true;
}

int web_ident_lookup(const char *user, struct web_ident *out)
{
    struct passwd pw, *res = NULL;
    char buf[4096];
    if (!web_user_name_ok(user) || getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || !res)
        return -1;
    memset(out, 0, sizeof(*out));
    snprintf(out->user, sizeof(out->user), "%s", user);
    out->uid = pw.pw_uid;
    out->gid = pw.pw_gid;
    int n = WEB_MAX_GROUPS;
    if (getgrouplist(user, pw.pw_gid, out->groups, &n) < 0) {
        /* More groups than we keep: the user gets the first ones only,
         * which can only narrow what xcmuxd lets them do. */
        n = WEB_MAX_GROUPS;
    }
    out->ngroups = n;
    return 0;
}

static long long boottime_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return ts.tv_sec;
}
long long (*auth_clock)(void) = boottime_s;
#define now_s() auth_clock()

/* ---- PAM worker ---- */

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
    struct auth_job *j = data;
    if (n <= 0 || n > PAM_MAX_NUM_MSG)
        return PAM_CONV_ERR;
    struct pam_response *r = calloc((size_t)n, sizeof(*r));
    if (!r)
        return PAM_BUF_ERR;
    for (int i = 0; i < n; i++) {
        const char *ans = NULL;
        switch (msg[i]->msg_style) {
        case PAM_PROMPT_ECHO_OFF:
            ans = j->password;
            break;
        case PAM_PROMPT_ECHO_ON:
            ans = j->user;
            break;
        case PAM_ERROR_MSG:
        case PAM_TEXT_INFO:
            continue;
        default:
            goto fail;
        }
        r[i].resp = strdup(ans);
        if (!r[i].resp)
            goto fail;
    }
    *resp = r;
    return PAM_SUCCESS;
fail:
    for (int i = 0; i < n; i++) {
        if (r[i].resp) {
            explicit_bzero(r[i].resp, strlen(r[i].resp));
            free(r[i].resp);
        }
    }
    free(r);
    return PAM_CONV_ERR;
}

static void *worker(void *arg)
{
    struct auth_job *j = arg;
    struct pam_conv c = {conv, j};
    pam_handle_t *h = NULL;
    int rc = j->a->confdir[0] ? pam_start_confdir(j->a->service, j->user, &c, j->a->confdir, &h)
                              : pam_start(j->a->service, j->user, &c, &h);
    if (rc == PAM_SUCCESS)
        rc = pam_authenticate(h, PAM_DISALLOW_NULL_AUTHTOK);
    if (rc == PAM_SUCCESS)
        rc = pam_acct_mgmt(h, PAM_DISALLOW_NULL_AUTHTOK);
    if (h)
        pam_end(h, rc);
    explicit_bzero(j->password, sizeof(j->password));
    /* The uid xcmuxd will see: the login name must be a local user. */
    j->ok = rc == PAM_SUCCESS && web_ident_lookup(j->user, &j->id) == 0;
    ssize_t w;
    do
        w = write(j->a->pipe_w, &j, sizeof(j));
    while (w < 0 && errno == EINTR);
    return NULL;
}

static void job_done(evutil_socket_t fd, short what, void *arg)
{
    struct auth *a = arg;
    struct auth_job *j;
    while (read(a->pipe_r, &j, sizeof(j)) == (ssize_t)sizeof(j)) {
        pthread_join(j->thread, NULL);
        for (struct auth_job **pp = &a->jobs; *pp; pp = &(*pp)->next) {
            if (*pp == j) {
                *pp = j->next;
                break;
            }
        }
        a->running--;
        if (j->cb)
            j->cb(j->arg, j->ok, &j->id);
        free(j);
    }
}

struct auth *auth_new(struct event_base *base, const char *pam_service, const char *pam_confdir)
{
    struct auth *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->base = base;
    snprintf(a->service, sizeof(a->service), "%s", pam_service);
    snprintf(a->confdir, sizeof(a->confdir), "%s", pam_confdir ? pam_confdir : "");
    int p[2];
    a->sess = calloc(AUTH_MAX_SESSIONS, sizeof(*a->sess));
    if (!a->sess || pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
        free(a->sess);
        free(a);
        return NULL;
    }
    a->pipe_r = p[0];
    a->pipe_w = p[1];
    a->ev = event_new(base, a->pipe_r, EV_READ | EV_PERSIST, job_done, a);
    if (!a->ev || event_add(a->ev, NULL) < 0) {
        auth_free(a);
        return NULL;
    }
    return a;
}

void auth_free(struct auth *a)
{
    if (!a)
        return;
    while (a->jobs) {
        struct auth_job *j = a->jobs;
        a->jobs = j->next;
        pthread_join(j->thread, NULL);
        free(j);
    }
    if (a->ev)
        event_free(a->ev);
    close(a->pipe_r);
    close(a->pipe_w);
    if (a->sess)
        explicit_bzero(a->sess, AUTH_MAX_SESSIONS * sizeof(*a->sess));
    free(a->sess);
    free(a);
}

struct auth_job *auth_login(struct auth *a, const char *user, const char *password, auth_cb cb,
                            void *arg)
{
    if (a->running >= AUTH_MAX_WORKERS)
        return NULL;
    struct auth_job *j = calloc(1, sizeof(*j));
    if (!j)
        return NULL;
    j->a = a;
    j->cb = cb;
    j->arg = arg;
    snprintf(j->user, sizeof(j->user), "%s", user);
    snprintf(j->password, sizeof(j->password), "%s", password);
    if (pthread_create(&j->thread, NULL, worker, j) != 0) {
        explicit_bzero(j->password, sizeof(j->password));
        free(j);
        return NULL;
    }
    j->next = a->jobs;
    a->jobs = j;
    a->running++;
    return j;
}

void auth_cancel(struct auth_job *j)
{
    j->cb = NULL;
    j->arg = NULL;
}

int auth_session_new(struct auth *a, const struct web_ident *id, char token[AUTH_TOKEN_HEX + 1])
{
    unsigned char rnd[AUTH_TOKEN_HEX / 2];
    size_t got = 0;
    while (got < sizeof(rnd)) {
        ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof(rnd); i++)
        snprintf(token + 2 * i, 3, "%02x", rnd[i]);
    explicit_bzero(rnd, sizeof(rnd));
    long long t = now_s();
    struct session *slot = NULL, *oldest = &a->sess[0];
    for (size_t i = 0; i < AUTH_MAX_SESSIONS; i++) {
        struct session *s = &a->sess[i];
        if (!s->used || t - s->born >= AUTH_SESSION_TTL) {
            slot = s;
            break;
        }
        if (s->born < oldest->born)
            oldest = s;
    }
    if (!slot)
        slot = oldest;
    slot->used = true;
    slot->born = t;
    slot->id = *id;
    memcpy(slot->token, token, AUTH_TOKEN_HEX + 1);
    return 0;
}

static struct session *find(struct auth *a, const char *token)
{
    if (strlen(token) != AUTH_TOKEN_HEX)
        return NULL;
    long long t = now_s();
    for (size_t i = 0; i < AUTH_MAX_SESSIONS; i++) {
        struct session *s = &a->sess[i];
        if (s->used && CRYPTO_memcmp(s->token, token, AUTH_TOKEN_HEX) == 0) {
            if (t - s->born >= AUTH_SESSION_TTL) {
                explicit_bzero(s, sizeof(*s));
                return NULL;
            }
            return s;
        }
    }
    return NULL;
}

const struct web_ident *auth_session_get(struct auth *a, const char *token)
{
    struct session *s = find(a, token);
    return s ? &s->id : NULL;
}

void auth_session_end(struct auth *a, const char *token)
{
    struct session *s = find(a, token);
    if (s)
        explicit_bzero(s, sizeof(*s));
}
