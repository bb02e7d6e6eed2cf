# bench: the benchmark harness (see bench/BENCHMARKS.md). `make bench` runs
# every measure on a simulated host; it is not part of `make check`.

noinst_PROGRAMS += bench/nullcons bench/floodcheck bench/echolat bench/attachbase

# The null backend reuses the daemon's hypervisor port, so it makes the
# same libxen calls the daemon makes, and nothing else.
bench_nullcons_SOURCES = bench/nullcons.c daemon/hyp.c daemon/hyp-job.c daemon/hyp.h \
	daemon/xsconn.c daemon/xsconn.h
bench_nullcons_CFLAGS = $(AM_CFLAGS) $(XENCTRL_CFLAGS) $(XENSTORE_CFLAGS) \
	$(XENEVTCHN_CFLAGS) $(XENGNTTAB_CFLAGS) $(XENFOREIGNMEMORY_CFLAGS)
bench_nullcons_LDADD = $(XENCTRL_LIBS) $(XENSTORE_LIBS) $(XENEVTCHN_LIBS) \
	$(XENGNTTAB_LIBS) $(XENFOREIGNMEMORY_LIBS)

# The store's limit on attach: three round trips per console (attach.sh).
bench_attachbase_SOURCES = bench/attachbase.c daemon/hyp.c daemon/hyp-job.c daemon/hyp.h \
	daemon/xsconn.c daemon/xsconn.h
bench_attachbase_CFLAGS = $(bench_nullcons_CFLAGS)
bench_attachbase_LDADD = $(bench_nullcons_LDADD)

bench_floodcheck_SOURCES = bench/floodcheck.c
bench_echolat_SOURCES = bench/echolat.c

bench_scripts = bench/lib.sh bench/run-all.sh bench/throughput.sh bench/fanout.sh \
	bench/scale.sh bench/latency.sh bench/ratelimit.sh bench/attach.sh
EXTRA_DIST += $(bench_scripts) bench/BENCHMARKS.md

# Each measure is a script that runs inside its own simulated host and
# prints a table; run-all.sh runs them in turn, bounded in time.
.PHONY: bench
bench: all
	top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)' \
	XEN_BINDIR='$(XEN_BINDIR)' $(SHELL) $(srcdir)/bench/run-all.sh
