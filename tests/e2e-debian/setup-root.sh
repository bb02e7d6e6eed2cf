#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# mmdebstrap customize hook of tests/e2e-debian/run.sh, after the package
# is installed with apt: everything the run needs that Debian does not
# ship. Usage: setup-root.sh ROOTDIR HEREDIR
set -eu
R=$1
here=$2
# The journal fields are checked: log to files and the journal.
sed -i 's/^log_target = .*/log_target = both/' "$R/etc/xcmux/xcmuxd.conf"
grep -q '^log_target = both' "$R/etc/xcmux/xcmuxd.conf"
# Guests are destroyed before the reboot: nothing to save or wait for.
sed -i 's/^XENDOMAINS_SAVE=.*/XENDOMAINS_SAVE=/' "$R/etc/default/xendomains"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' >"$R/etc/fstab"
echo dom0 >"$R/etc/hostname"
# A machine ID of its own (mmdebstrap leaves it empty): the journal of
# both boots in one place.
od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$R/etc/machine-id"
echo >>"$R/etc/machine-id"
# libvirtd (libvirt-daemon) loads its QEMU driver, which is a dependency,
# and that driver does not start without the user libvirt-qemu, which
# libvirt-daemon-system's postinst creates. That package (polkitd,
# iptables, the default network, units) is not needed to run libvirtd by
# hand for its Xen driver: only its user is.
chroot "$R" useradd --system --user-group --no-create-home --home-dir /var/lib/libvirt \
    --shell /usr/sbin/nologin libvirt-qemu
# Tiny PV guests: the dom0 kernel and a busybox initramfs.
d=$(mktemp -d)
mkdir -p "$d/bin" "$d/proc" "$d/dev"
cp /bin/busybox "$d/bin/busybox"
install -m 0755 "$here/domu-init" "$d/init"
(cd "$d" && find . | cpio -o -H newc --quiet | gzip -1) >"$R/boot/domu.cpio.gz"
rm -rf "$d"
# The plain ELF vmlinux inside Debian's xz-compressed bzImage: libxc loads
# it without decompressing under TCG (faster, and a decompression in dom0
# once failed with "Invalid kernel" there).
vmlinuz=$(ls "$R"/boot/vmlinuz-* | head -n 1)
xzpos=$(grep -abo $'\xfd7zXZ' "$vmlinuz" | head -n 1 | cut -d: -f1)
tail -c +$((xzpos + 1)) "$vmlinuz" | xz -dc >"$R/boot/vmlinux-e2ed" 2>/dev/null || true
[ "$(head -c 4 "$R/boot/vmlinux-e2ed" | od -An -c | tr -d ' ')" = '177ELF' ]
kernel=vmlinux-e2ed
mkdir -p "$R/etc/xen/auto"
guest() {
    printf 'name = "%s"\ntype = "pv"\nkernel = "/boot/%s"\nramdisk = "/boot/domu.cpio.gz"\nextra = "console=hvc0 loglevel=1 mitigations=off e2edname=%s"\nmemory = 96\nvcpus = 1\n' \
        "$1" "$kernel" "$1"
}
guest auto1 >"$R/etc/xen/auto/auto1.cfg"
guest g1 >"$R/etc/xen/g1.cfg"
guest g2 >"$R/etc/xen/g2.cfg"
cat >"$R/etc/xen/lv1.xml" <<XML
<domain type='xen'>
  <name>lv1</name>
  <memory unit='MiB'>96</memory>
  <vcpu>1</vcpu>
  <os>
    <type>linux</type>
    <kernel>/boot/$kernel</kernel>
    <initrd>/boot/domu.cpio.gz</initrd>
    <cmdline>console=hvc0 loglevel=1 mitigations=off e2edname=lv1</cmdline>
  </os>
  <devices>
    <console type='pty'><target type='xen' port='0'/></console>
  </devices>
</domain>
XML
# A shorter boot under TCG: no timers (nothing runs long enough for
# them), no VT getty, no binfmt, no pstore, no modules nobody uses here.
systemctl --root="$R" --quiet mask apt-daily.timer apt-daily-upgrade.timer \
    dpkg-db-backup.timer e2scrub_all.timer fstrim.timer logrotate.timer \
    e2scrub_reap.service systemd-pstore.service getty@tty1.service \
    systemd-binfmt.service proc-sys-fs-binfmt_misc.automount \
    modprobe@drm.service modprobe@efi_pstore.service modprobe@dm_mod.service
systemctl --root="$R" --quiet set-default multi-user.target
install -m 0755 "$here/dom0-checks.sh" "$R/usr/local/sbin/e2ed-checks"
install -m 0644 "$here/e2ed-checks.service" "$R/etc/systemd/system/e2ed-checks.service"
mkdir -p "$R/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/e2ed-checks.service "$R/etc/systemd/system/multi-user.target.wants/e2ed-checks.service"
# script(1) for the xenconsole check after removal.
[ -x "$R/usr/bin/script" ]
