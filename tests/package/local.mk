# The Debian package (debian/) and its test, run by tests/run.sh as a step
# of its own (it builds the whole tree again in a clean copy: not in
# `make check`). Listed here so the distribution tarball carries them.
EXTRA_DIST += tests/package/build.sh \
	debian/changelog debian/control debian/copyright debian/rules \
	debian/source/format debian/xcmux.install debian/xcmux.links \
	debian/xcmux.lintian-overrides debian/xcmux.preinst \
	debian/xcmux.postinst debian/xcmux.prerm debian/xcmux.postrm \
	debian/xcmux.sysusers debian/xen-handover debian/xenconsoled-standin \
	debian/xcmux-web.install debian/xcmux-web.postinst
# The Debian dom0 run (tests/run.sh runs it; tests/e2e-debian/README.md).
EXTRA_DIST += tests/e2e-debian/README.md tests/e2e-debian/run.sh \
	tests/e2e-debian/setup-root.sh tests/e2e-debian/build-root.sh tests/e2e-debian/dom0-checks.sh \
	tests/e2e-debian/domu-init tests/e2e-debian/e2ed-checks.service
