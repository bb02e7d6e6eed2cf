# The browser console's page (protocol/WEB.md): installed where xcmux-web
# looks by default (--static-dir), and distributed, vendored xterm.js
# included, so that package builds and distcheck need no network
# (scripts/vendor-xterm.sh updates web/static/vendor). Included from the
# top-level Makefile.am.
webstaticdir = $(datadir)/xcmux/web
dist_webstatic_DATA = web/static/index.html web/static/app.js web/static/app.css
webvendordir = $(webstaticdir)/vendor
dist_webvendor_DATA = web/static/vendor/xterm.js web/static/vendor/xterm.css \
	web/static/vendor/LICENSE web/static/vendor/VERSION
EXTRA_DIST += scripts/vendor-xterm.sh web/static/README.md
