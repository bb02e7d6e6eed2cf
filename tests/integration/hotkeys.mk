# The hotkey bridge against xensim (tests/integration/hotkeys.sh).
TESTS += tests/integration/hotkeys.sh
EXTRA_DIST += tests/integration/hotkeys.sh
