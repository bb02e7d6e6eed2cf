# Installation on a Xen host: systemd units, the sysusers.d snippet, the
# sample configurations, the logrotate file, the browser console's PAM
# service and the man pages. Included from the top-level Makefile.am.

# Units are filled at make time, not by configure, so $(sbindir) is the
# expanded path of this build (configure leaves it as ${exec_prefix}/sbin).
SYSTEMD_UNITS = systemd/xcmuxd.service systemd/xcmuxd.socket systemd/xcmux-web.service
SYSTEMD_SUBST = sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g'

systemd/xcmuxd.service: $(srcdir)/systemd/xcmuxd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && $(SYSTEMD_SUBST) $(srcdir)/systemd/xcmuxd.service.in >$@.tmp && mv $@.tmp $@
systemd/xcmuxd.socket: $(srcdir)/systemd/xcmuxd.socket.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && $(SYSTEMD_SUBST) $(srcdir)/systemd/xcmuxd.socket.in >$@.tmp && mv $@.tmp $@
systemd/xcmux-web.service: $(srcdir)/systemd/xcmux-web.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && $(SYSTEMD_SUBST) $(srcdir)/systemd/xcmux-web.service.in >$@.tmp && mv $@.tmp $@

# Built always (the tests verify them), installed when a unit dir is known.
noinst_DATA = $(SYSTEMD_UNITS)
CLEANFILES += $(SYSTEMD_UNITS)
EXTRA_DIST += systemd/xcmuxd.service.in systemd/xcmuxd.socket.in \
	systemd/xcmux.sysusers.conf conf/xcmuxd.logrotate \
	systemd/xcmux-web.service.in conf/xcmux-web.conf conf/xcmux-web.pam

if HAVE_SYSTEMD_UNITDIR
systemdsystemunit_DATA = $(SYSTEMD_UNITS)
endif

# distcheck installs into a scratch prefix: units must follow it there.
DISTCHECK_CONFIGURE_FLAGS = \
	--with-systemdsystemunitdir='$$(prefix)/lib/systemd/system' \
	--with-sysusersdir='$$(prefix)/lib/sysusers.d'

dist_man5_MANS = man/xcmuxd.conf.5
dist_man8_MANS = man/xcmuxd.8 man/xcmux-web.8

# The sample configs never replace the admin's files: they are installed
# as xcmuxd.conf.sample and xcmux-web.conf.sample, and both programs run
# on built-in defaults until the real file exists. The PAM service is
# installed as it is: without it PAM would fall back to "other".
XCMUX_SYSCONF = $(DESTDIR)$(sysconfdir)/xcmux
install-data-local: install-host-files
uninstall-local: uninstall-host-files
install-host-files:
	$(MKDIR_P) '$(XCMUX_SYSCONF)' '$(DESTDIR)$(sysconfdir)/logrotate.d'
	$(INSTALL_DATA) $(srcdir)/conf/xcmuxd.conf '$(XCMUX_SYSCONF)/xcmuxd.conf.sample'
	$(INSTALL_DATA) $(srcdir)/conf/xcmuxd.logrotate '$(DESTDIR)$(sysconfdir)/logrotate.d/xcmuxd'
	$(INSTALL_DATA) $(srcdir)/conf/xcmux-web.conf '$(XCMUX_SYSCONF)/xcmux-web.conf.sample'
	$(MKDIR_P) '$(DESTDIR)$(sysconfdir)/pam.d'
	$(INSTALL_DATA) $(srcdir)/conf/xcmux-web.pam '$(DESTDIR)$(sysconfdir)/pam.d/xcmux-web'
if HAVE_SYSUSERSDIR
	$(MKDIR_P) '$(DESTDIR)$(sysusersdir)'
	$(INSTALL_DATA) $(srcdir)/systemd/xcmux.sysusers.conf '$(DESTDIR)$(sysusersdir)/xcmux.conf'
endif
uninstall-host-files:
	rm -f '$(XCMUX_SYSCONF)/xcmuxd.conf.sample' '$(DESTDIR)$(sysconfdir)/logrotate.d/xcmuxd'
	rm -f '$(XCMUX_SYSCONF)/xcmux-web.conf.sample' '$(DESTDIR)$(sysconfdir)/pam.d/xcmux-web'
if HAVE_SYSUSERSDIR
	rm -f '$(DESTDIR)$(sysusersdir)/xcmux.conf'
endif
.PHONY: install-host-files uninstall-host-files
