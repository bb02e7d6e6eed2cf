# libFuzzer targets (tests/fuzz/README.md). They are built by run.sh with
# clang directly, not by automake: libFuzzer exists only in clang and
# configure may have chosen gcc. Without a usable clang the check is
# skipped (exit 77).

# make check: replay the committed seeds, then fuzz each target briefly.
TESTS += tests/fuzz/check.sh

EXTRA_DIST += tests/fuzz/README.md tests/fuzz/run.sh tests/fuzz/check.sh \
	tests/fuzz/fuzz-common.h tests/fuzz/fuzz-proto.c tests/fuzz/fuzz-escape.c \
	tests/fuzz/fuzz-parse-u64.c tests/fuzz/fuzz-ring.c tests/fuzz/fuzz-config.c tests/fuzz/fuzz-hkfilter.c tests/fuzz/fuzz-hotkey.c \
	tests/fuzz/fuzz-ws.c tests/fuzz/fuzz-http.c \
	tests/fuzz/mkseeds-proto.c tests/fuzz/config.dict tests/fuzz/proto.dict \
	tests/fuzz/corpus

FUZZ_ENV = top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)'

# make fuzz: every target for FUZZ_SECONDS (default 600) each;
# make fuzz-ci: 20 s each. FUZZ_JOBS=N runs N processes per target.
.PHONY: fuzz fuzz-ci fuzz-build fuzz-clean
fuzz:
	$(FUZZ_ENV) $(SHELL) $(abs_top_srcdir)/tests/fuzz/run.sh --long
fuzz-ci:
	$(FUZZ_ENV) $(SHELL) $(abs_top_srcdir)/tests/fuzz/run.sh --ci
fuzz-build:
	$(FUZZ_ENV) $(SHELL) $(abs_top_srcdir)/tests/fuzz/run.sh --build
fuzz-clean:
	rm -rf $(abs_top_builddir)/tests/fuzz/build

# The fuzzers' build and scratch directory goes with `make clean` (and so
# distcheck's distclean leaves nothing behind).
clean-local: fuzz-clean
