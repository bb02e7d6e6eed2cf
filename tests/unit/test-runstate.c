/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-runstate.c — the state file that says how the previous daemon
 * ended (daemon/runstate.h): a clean stop, a kill (the record still says
 * running), none (another backend, or another boot), malformed records,
 * and writes that replace a planted symlink instead of following it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/runstate.h"

static char dir[64], path[128];

static int setup(void **state)
{
    snprintf(dir, sizeof(dir), "/tmp/xcmux-runstate-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/xcmux.state", dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static const char *file_text(void)
{
    static char buf[RUNSTATE_MAX];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void test_parse(void **state)
{
    long pid;
    assert_int_equal(runstate_parse("xcmuxd stopped pid 12 boot abc\n", "abc", &pid),
                     RUNSTATE_CLEAN);
    assert_int_equal(pid, 12);
    assert_int_equal(runstate_parse("xcmuxd running pid 7 boot abc\n", "abc", &pid),
                     RUNSTATE_UNCLEAN);
    assert_int_equal(pid, 7);
    /* Another boot's record says nothing about the rings of this one. */
    assert_int_equal(runstate_parse("xcmuxd running pid 7 boot old\n", "abc", &pid), RUNSTATE_NONE);
    assert_int_equal(pid, 0);
    /* Without a boot id on either side the record counts. */
    assert_int_equal(runstate_parse("xcmuxd stopped pid 3", "", &pid), RUNSTATE_CLEAN);
    assert_int_equal(runstate_parse("xcmuxd stopped pid 3", "abc", &pid), RUNSTATE_CLEAN);
    /* Malformed: none. */
    assert_int_equal(runstate_parse("", "abc", &pid), RUNSTATE_NONE);
    assert_int_equal(runstate_parse("xcmuxd crashed pid 3 boot abc", "abc", &pid), RUNSTATE_NONE);
    assert_int_equal(pid, 0);
    assert_int_equal(runstate_parse("xcmuxd running pid -3 boot abc", "abc", &pid), RUNSTATE_NONE);
    assert_int_equal(runstate_parse("--- xcmux: xcmuxd stopping ---", "abc", &pid), RUNSTATE_NONE);
    assert_int_equal(runstate_parse(NULL, "abc", &pid), RUNSTATE_NONE);
    char longer[RUNSTATE_MAX + 8];
    memset(longer, 'x', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    memcpy(longer, "xcmuxd stopped pid 3 ", 21);
    assert_int_equal(runstate_parse(longer, "", &pid), RUNSTATE_NONE);
}

static void test_path_for(void **state)
{
    char out[64];
    assert_int_equal(runstate_path_for("/run/xcmux/xcmux.sock", out, sizeof(out)), 0);
    assert_string_equal(out, "/run/xcmux/xcmux.state");
    assert_int_equal(runstate_path_for("/tmp/s", out, sizeof(out)), 0);
    assert_string_equal(out, "/tmp/s.state");
    assert_int_equal(runstate_path_for("", out, sizeof(out)), -1);
    assert_int_equal(runstate_path_for("/a/very/long/socket/path/name.sock", out, 16), -1);
}

/* Start, kill (no end), start: unclean; end, start: clean. */
static void test_life_cycle(void **state)
{
    enum runstate_prev prev;
    long pid;
    char err[256] = "", want[64];
    assert_int_equal(runstate_begin(path, &prev, &pid, err, sizeof(err)), 0);
    assert_int_equal(prev, RUNSTATE_NONE);
    assert_int_equal(pid, 0);
    snprintf(want, sizeof(want), "xcmuxd running pid %ld boot ", (long)getpid());
    assert_memory_equal(file_text(), want, strlen(want));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);

    /* A daemon killed now leaves "running": the next one says so. */
    assert_int_equal(runstate_begin(path, &prev, &pid, err, sizeof(err)), 0);
    assert_int_equal(prev, RUNSTATE_UNCLEAN);
    assert_int_equal(pid, (long)getpid());

    assert_int_equal(runstate_end(err, sizeof(err)), 0);
    snprintf(want, sizeof(want), "xcmuxd stopped pid %ld boot ", (long)getpid());
    assert_memory_equal(file_text(), want, strlen(want));
    assert_int_equal(runstate_begin(path, &prev, &pid, err, sizeof(err)), 0);
    assert_int_equal(prev, RUNSTATE_CLEAN);
    assert_int_equal(runstate_end(err, sizeof(err)), 0);
    /* A second end, with no begin before it, writes nothing. */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(runstate_end(err, sizeof(err)), 0);
    assert_int_equal(access(path, F_OK), -1);
    /* No temporary file is left behind. */
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "[ -z \"$(ls -A '%s')\" ]", dir);
    assert_int_equal(system(cmd), 0);
}

/* A symlink at the state path is neither read through nor written
 * through: it is replaced. */
static void test_symlink_not_followed(void **state)
{
    char target[160];
    snprintf(target, sizeof(target), "%s/target", dir);
    FILE *f = fopen(target, "w");
    assert_non_null(f);
    fputs("xcmuxd stopped pid 99\n", f);
    fclose(f);
    assert_int_equal(symlink(target, path), 0);
    enum runstate_prev prev;
    long pid;
    char err[256];
    assert_int_equal(runstate_begin(path, &prev, &pid, err, sizeof(err)), 0);
    assert_int_equal(prev, RUNSTATE_NONE);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    f = fopen(target, "r");
    char buf[64] = "";
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    assert_string_equal(buf, "xcmuxd stopped pid 99\n");
    assert_int_equal(runstate_end(err, sizeof(err)), 0);
}

/* A directory that cannot be written: begin fails with the reason and
 * still reports the previous record. */
static void test_unwritable_dir(void **state)
{
    enum runstate_prev prev;
    long pid;
    char err[256] = "", missing[160];
    snprintf(missing, sizeof(missing), "%s/no/such/dir/x.state", dir);
    assert_int_equal(runstate_begin(missing, &prev, &pid, err, sizeof(err)), -1);
    assert_int_equal(prev, RUNSTATE_NONE);
    assert_non_null(strstr(err, "cannot create"));
    /* end after a failed begin tries (and fails) the same path. */
    assert_int_equal(runstate_end(err, sizeof(err)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_path_for),
        cmocka_unit_test_setup_teardown(test_life_cycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_not_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_dir, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
