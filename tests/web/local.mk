# The browser console in headless Chromium (tests/integration/web-browser.sh,
# tests/web/browser.test.mjs). One pass only: the store under it does not
# matter to the page, and a browser run is the most expensive integration
# test. The test installs playwright-core into tests/web/node-cache of the
# build tree; it stays there across `make clean` (no network needed again)
# and goes at `make distclean`.
TESTS += tests/integration/web-browser.sh
EXTRA_DIST += tests/integration/web-browser.sh tests/web/browser.test.mjs \
	tests/web/package.json tests/web/package-lock.json
CLEANFILES += tests/web/web-browser.png
distclean-local: distclean-web-browser
distclean-web-browser:
	-rm -rf tests/web/node-cache
.PHONY: distclean-web-browser
# The page, the sample configuration, the PAM file and the unit as
# `make install` leaves them, served by the installed program
# (tests/integration/web-install.sh; no browser, no root).
TESTS += tests/integration/web-install.sh
EXTRA_DIST += tests/integration/web-install.sh
