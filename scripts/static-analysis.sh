#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# scripts/static-analysis.sh — scan-build, clang-tidy and cppcheck over xcmux.
#
#   scripts/static-analysis.sh [--tools scan,tidy,cppcheck] [BUILDDIR]
#
# - scan-build (clang static analyzer) over a full build of everything,
#   sim/ included, in BUILDDIR (default /tmp/xcmux-static).
# - clang-tidy with the repository's .clang-tidy on the C sources of
#   daemon/, protocol/, common/, client/, web/ and tests/fuzz/.
# - cppcheck (warning, portability, performance) on the same files.
#
# Every finding is either fixed or listed in the SUPPRESSIONS table below
# with the reason it is a false positive. A finding matches an entry when
# tool, file and check are equal and the source line it points at contains
# the entry's text (so entries survive unrelated edits that move lines).
# Exit status: 0 when nothing unsuppressed is left, 1 otherwise, 2 when a
# tool is missing or a step fails. Entries that no longer match anything
# are listed as stale (not an error) so they can be removed.
set -u

# tool|file|check|text on the flagged line (no '|' in it)|why it is not a bug
SUPPRESSIONS=$(cat <<'EOF'
scan|sim/guest/ctlproto.c|core.NullDereference|for (const char *p = in; *p; p++)|ctl_unescape(val, ...) is only reached for --say/--line, which set takes_value, so val is non-NULL.
scan|sim/guest/ctlproto.c|core.NonNullParamChecker|if (!strcmp(val, "max"))|Same path as above: --flood sets takes_value, so val is non-NULL.
tidy|daemon/journal.c|misc-no-recursion|static void report_drops_sent|Bounded to depth 2: send_message() zeroes drops_pending before calling report_drops_sent(), whose send_message() then either fails (no further report) or finds drops_pending == 0.
tidy|daemon/journal.c|misc-no-recursion|static bool send_message|Same cycle as report_drops_sent (depth <= 2).
tidy|protocol/hkfilter.c|misc-no-recursion|static size_t diverge(|Bounded: diverge() resets to ST_IDLE before calling step(), and step() from ST_IDLE never diverges (it passes the byte or starts holding it). The fuzzers and test-hkfilter drive every state.
tidy|protocol/hkfilter.c|misc-no-recursion|static size_t diverge_after_terminator_esc|Bounded: it calls step() in ST_FIXED at pos 1, from where step() can only reach diverge() (depth <= 3), never this function again.
tidy|protocol/hkfilter.c|misc-no-recursion|static size_t step(|Part of the two bounded cycles above.
tidy|daemon/log.c|bugprone-narrowing-conversions|safe_name_char(c) ? (char)c : '_'|The value is an ASCII name character or '_', representable in char.
tidy|daemon/main.c|cert-err34-c|sscanf(v, "%llu:%llu"|JOURNAL_STREAM is only compared with stderr's device:inode; a value sscanf cannot represent cannot match, which is the correct outcome (not the journal).
tidy|client/cmd-console.c|clang-analyzer-security.insecureAPI.strcpy|strcpy(a->domain, domain)|Length checked just above: strlen(domain) <= XP_MAX_DOMAIN_NAME and a->domain holds XP_MAX_DOMAIN_NAME + 1.
tidy|client/conn.c|clang-analyzer-security.insecureAPI.strcpy|strcpy(sa.sun_path, path)|Checked just above: strlen(path) >= sizeof(sa.sun_path) fails with ENAMETOOLONG.
tidy|client/text.c|cert-err33-c|fwrite(s + i, 1, n, out)|Terminal/pipe text output: a write error is sticky on the stream and the commands report it when they fflush(stdout) at the end.
tidy|web/auth.c|bugprone-sizeof-expression|w = write(j->a->pipe_w, &j, sizeof(j));|The pipe carries the job's pointer itself (one word, atomic under PIPE_BUF), not the job: sizeof(j) is meant.
tidy|web/auth.c|bugprone-sizeof-expression|while (read(a->pipe_r, &j, sizeof(j)) == (ssize_t)sizeof(j)) {|The reading side of the same pointer-sized message.
tidy|daemon/xsconn.c|bugprone-not-null-terminated-result|memcpy(at, arg, al);|A XS_WRITE payload is the path's NUL and then the value's counted bytes, without a terminator (xs_wire.h); the other requests' arguments get their NUL (al counts it).
tidy|web/ws.c|bugprone-not-null-terminated-result|memcpy(out + h + 2, reason, rl);|A close frame's payload is counted bytes on the wire (RFC 6455 5.5.1), never a C string.
cppcheck|daemon/hyp.c|identicalInnerCondition|return *slot;|Style: cppcheck flags returning the value just tested (if (*slot) return *slot;). It is the worker's cached connection, returned as is: the test is the cache lookup.
cppcheck|daemon/log.c|arrayIndexThenCheck|for (; name[n] && n < XCMUX_LOG_NAME_MAX|name is NUL-terminated and name[n] is only read while every earlier byte was non-NUL, so the read never passes the terminator; the limit check bounds the output, not the input.
EOF
)

src=$(cd "$(dirname "$0")/.." && pwd)
tools=scan,tidy,cppcheck
if [ "${1:-}" = --tools ]; then
	tools=$2
	shift 2
fi
build=${1:-/tmp/xcmux-static}
jobs=$(nproc)
mkdir -p "$build"
findings="$build/findings.txt"
: >"$findings"

need() {
	command -v "$1" >/dev/null 2>&1 || { echo "static-analysis: $1 not found (apt-get install $2)"; exit 2; }
}
has() { case ",$tools," in *",$1,"*) return 0 ;; esac; return 1; }

has scan && need scan-build clang-tools
has tidy && need clang-tidy clang-tidy
has cppcheck && need cppcheck cppcheck

# An in-tree build (scripts/build.sh, CI) occupies the source tree: build
# from a copy then (scripts/oot-src.sh).
. "$(dirname "$0")/oot-src.sh"
src=$(oot_src "$src" "$build") || exit 2

# --- scan-build: the whole build, under the analyzer ------------------------
cd "$build" || exit 2
if [ ! -f Makefile ] || [ "$src/configure" -nt Makefile ]; then
	scan-build "$src/configure" -q >configure.log 2>&1 || { cat configure.log; exit 2; }
fi
if has scan; then
	rm -rf scan-report
	make clean >/dev/null 2>&1
	# -plist: machine-readable reports, filtered against the table below.
	if ! scan-build -plist -o "$build/scan-report" make -j"$jobs" >scan.log 2>&1; then
		tail -30 scan.log
		echo "static-analysis: build under scan-build failed"
		exit 2
	fi
	python3 - "$build/scan-report" "$src" >>"$findings" <<'PY' || exit 2
import glob, os, plistlib, sys
report, src = sys.argv[1], sys.argv[2]
seen = set()
for path in glob.glob(os.path.join(report, "**", "*.plist"), recursive=True):
    with open(path, "rb") as f:
        p = plistlib.load(f)
    files = p.get("files", [])
    for d in p.get("diagnostics", []):
        loc = d["location"]
        fname = os.path.relpath(os.path.realpath(files[loc["file"]]), src)
        key = ("scan", fname, loc["line"], d.get("check_name", "?"), d.get("description", ""))
        if key not in seen:
            seen.add(key)
            print("|".join(str(k) for k in key))
PY
fi

# Files for tidy and cppcheck: the production code and the fuzzers.
cd "$src" || exit 2
files=$(ls daemon/*.c protocol/*.c common/*.c client/*.c web/*.c tests/fuzz/*.c 2>/dev/null)
cflags="-std=gnu17 -D_GNU_SOURCE -include $build/config.h -I$src -I$build \
	$(pkg-config --cflags libevent libevent_openssl openssl inih xencontrol xenstore xenevtchn xengnttab xenforeignmemory libsystemd 2>/dev/null)"

# --- clang-tidy ------------------------------------------------------------
if has tidy; then
	# One process per file, $jobs at a time; the profile is .clang-tidy.
	# shellcheck disable=SC2086
	printf '%s\n' $files | xargs -P "$jobs" -I{} sh -c \
		'clang-tidy -quiet "$1" -- '"$cflags"' 2>/dev/null || true' sh {} >"$build/tidy.log"
	grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$build/tidy.log" |
		sed -E "s#^$src/##" |
		sed -E 's#^([^:]+):([0-9]+):[0-9]+: (warning|error): (.*) \[([^]]+)\]$#tidy|\1|\2|\5|\4#' |
		sort -u >>"$findings"
fi

# --- cppcheck --------------------------------------------------------------
if has cppcheck; then
	# sys/queue.h is included explicitly: cppcheck does not read system
	# headers (missingIncludeSystem) and would not know TAILQ_*.
	# shellcheck disable=SC2086
	cppcheck -q --std=c11 --enable=warning,portability,performance \
		-D_GNU_SOURCE -D__GNUC__ -I. -I"$build" --include="$build/config.h" \
		--include=/usr/include/x86_64-linux-gnu/sys/queue.h \
		--suppress=missingIncludeSystem -j "$jobs" \
		--template='cppcheck|{file}|{line}|{id}|{severity}: {message}' \
		$files 2>"$build/cppcheck.log" >/dev/null
	grep '^cppcheck|' "$build/cppcheck.log" | sort -u >>"$findings"
fi

# --- filter through the suppression table ----------------------------------
printf '%s\n' "$SUPPRESSIONS" >"$build/suppressions.txt"
python3 - "$findings" "$build/suppressions.txt" "$src" "$tools" <<'PY'
import sys
findings_path, supp_path, src, tools = sys.argv[1:5]
tools = {"scan": "scan", "tidy": "tidy", "cppcheck": "cppcheck"}.keys() & set(tools.split(","))
supp = []
for line in open(supp_path):
    line = line.rstrip("\n")
    if not line:
        continue
    tool, fname, check, text, why = line.split("|", 4)
    supp.append({"tool": tool, "file": fname, "check": check, "text": text, "used": 0})

def source_line(fname, n):
    try:
        with open(f"{src}/{fname}", errors="replace") as f:
            for i, l in enumerate(f, 1):
                if i == n:
                    return l
    except OSError:
        pass
    return ""

left = []
suppressed = 0
for line in open(findings_path):
    line = line.rstrip("\n")
    if not line:
        continue
    tool, fname, lineno, check, msg = line.split("|", 4)
    text = source_line(fname, int(lineno))
    hit = None
    for s in supp:
        if s["tool"] == tool and s["file"] == fname and s["check"] == check and s["text"] in text:
            hit = s
            break
    if hit:
        hit["used"] += 1
        suppressed += 1
    else:
        left.append(f"{fname}:{lineno}: [{tool} {check}] {msg}")

for s in supp:
    if not s["used"] and s["tool"] in tools:
        print(f"note: stale suppression (matches nothing now): {s['tool']}|{s['file']}|{s['check']}|{s['text']}")
for l in left:
    print(l)
print(f"static-analysis: {len(left)} finding(s), {suppressed} suppressed with a reason")
sys.exit(1 if left else 0)
PY
