/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hyp-job.c — building and freeing a xenstore job (hyp.h, "jobs"): plain
 * memory, no libxen, so that the real xen port (hyp.c) and the unit
 * tests' fake one (tests/unit/fake-hyp.c) share one implementation.
 * A job's paths and arguments are copied; hyp_job_free() frees them and
 * any values the port filled in.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/hyp.h"

struct hyp_job *hyp_job_new(uint32_t key, void (*done)(struct hyp_job *j))
{
    struct hyp_job *j = calloc(1, sizeof(*j));
    if (j) {
        j->key = key;
        j->done = done;
    }
    return j;
}

int hyp_job_add(struct hyp_job *j, enum hyp_op_kind kind, const char *path, const char *arg)
{
    if (j->nops == j->cap) {
        unsigned cap = j->cap ? j->cap * 2 : 4;
        struct hyp_op *op = realloc(j->op, cap * sizeof(*op));
        if (!op)
            return -1;
        j->op = op;
        j->cap = cap;
    }
    struct hyp_op *o = &j->op[j->nops];
    memset(o, 0, sizeof(*o));
    o->kind = kind;
    o->path = strdup(path);
    o->arg = arg ? strdup(arg) : NULL;
    if (!o->path || (arg && !o->arg)) {
        free(o->path);
        free(o->arg);
        return -1;
    }
    return (int)j->nops++;
}

void hyp_job_free(struct hyp_job *j)
{
    if (!j)
        return;
    for (unsigned i = 0; i < j->nops; i++) {
        free(j->op[i].path);
        free(j->op[i].arg);
        free(j->op[i].value);
    }
    free(j->op);
    free(j);
}
