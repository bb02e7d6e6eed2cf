# Hostile guests and daemon fault injection against xensim
# (tests/integration/hostile.sh, tests/integration/faults.sh).
# hostile-ring pokes a guest's console ring page through the simulated
# hypervisor, as a hostile guest kernel would.
check_PROGRAMS += tests/integration/hostile-ring
tests_integration_hostile_ring_SOURCES = tests/integration/hostile-ring.c
tests_integration_hostile_ring_LDADD = sim/libhv.a -lpthread
TESTS += tests/integration/hostile.sh tests/integration/faults.sh
EXTRA_DIST += tests/integration/hostile.sh tests/integration/faults.sh \
	tests/integration/hostile-cycles.py
