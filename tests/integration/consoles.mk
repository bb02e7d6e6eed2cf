# integration tests: who serves which console (ownership by the frontend's
# type node) and the hypervisor's own console.
TESTS += tests/integration/ownership.sh tests/integration/hvconsole.sh
EXTRA_DIST += tests/integration/ownership.sh tests/integration/hvconsole.sh tests/integration/consoles.mk
