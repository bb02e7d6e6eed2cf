# Installation on a Xen host: systemd units, the sysusers.d snippet, the
# sample configuration, the logrotate file and the man pages. Included
# from the top-level Makefile.am.

# Units are filled at make time, not by configure, so $(sbindir) is the
# expanded path of this build (configure leaves it as ${exec_prefix}/sbin).
SYSTEMD_UNITS = systemd/xcmuxd.service systemd/xcmuxd.socket
SYSTEMD_SUBST = sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g'

systemd/xcmuxd.service: $(srcdir)/systemd/xcmuxd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && $(SYSTEMD_SUBST) $(srcdir)/systemd/xcmuxd.service.in >$@.tmp && mv $@.tmp $@
systemd/xcmuxd.socket: $(srcdir)/systemd/xcmuxd.socket.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && $(SYSTEMD_SUBST) $(srcdir)/systemd/xcmuxd.socket.in >$@.tmp && mv $@.tmp $@

# Built always (the tests verify them), installed when a unit dir is known.
noinst_DATA = $(SYSTEMD_UNITS)
CLEANFILES += $(SYSTEMD_UNITS)
EXTRA_DIST += systemd/xcmuxd.service.in systemd/xcmuxd.socket.in \
	systemd/xcmux.sysusers.conf conf/xcmuxd.logrotate

if HAVE_SYSTEMD_UNITDIR
systemdsystemunit_DATA = $(SYSTEMD_UNITS)
endif

# distcheck installs into a scratch prefix: units must follow it there.
DISTCHECK_CONFIGURE_FLAGS = \
	--with-systemdsystemunitdir='$$(prefix)/lib/systemd/system' \
	--with-sysusersdir='$$(prefix)/lib/sysusers.d'

dist_man5_MANS = man/xcmuxd.conf.5
dist_man8_MANS = man/xcmuxd.8

# The sample config never replaces the admin's file: it is installed as
# xcmuxd.conf.sample, and xcmuxd runs on built-in defaults until
# xcmuxd.conf exists.
XCMUX_SYSCONF = $(DESTDIR)$(sysconfdir)/xcmux
install-data-local: install-host-files
uninstall-local: uninstall-host-files
install-host-files:
	$(MKDIR_P) '$(XCMUX_SYSCONF)' '$(DESTDIR)$(sysconfdir)/logrotate.d'
	$(INSTALL_DATA) $(srcdir)/conf/xcmuxd.conf '$(XCMUX_SYSCONF)/xcmuxd.conf.sample'
	$(INSTALL_DATA) $(srcdir)/conf/xcmuxd.logrotate '$(DESTDIR)$(sysconfdir)/logrotate.d/xcmuxd'
if HAVE_SYSUSERSDIR
	$(MKDIR_P) '$(DESTDIR)$(sysusersdir)'
	$(INSTALL_DATA) $(srcdir)/systemd/xcmux.sysusers.conf '$(DESTDIR)$(sysusersdir)/xcmux.conf'
endif
uninstall-host-files:
	rm -f '$(XCMUX_SYSCONF)/xcmuxd.conf.sample' '$(DESTDIR)$(sysconfdir)/logrotate.d/xcmuxd'
if HAVE_SYSUSERSDIR
	rm -f '$(DESTDIR)$(sysusersdir)/xcmux.conf'
endif
.PHONY: install-host-files uninstall-host-files
