# The Debian package (debian/) and its test, run by tests/run.sh as a step
# of its own (it builds the whole tree again in a clean copy: not in
# `make check`). Listed here so the distribution tarball carries them.
EXTRA_DIST += tests/package/build.sh \
	debian/changelog debian/control debian/copyright debian/rules \
	debian/source/format debian/xcmux.install debian/xcmux.links \
	debian/xcmux.lintian-overrides debian/xcmux.preinst \
	debian/xcmux.postinst debian/xcmux.prerm debian/xcmux.postrm \
	debian/xcmux.sysusers debian/xen-handover debian/xenconsoled-standin
