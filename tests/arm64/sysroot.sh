#!/usr/bin/env bash
# An arm64 Debian sysroot for running the arm64 release under qemu-aarch64-static on this x86_64 machine:
# QEMU_LD_PREFIX=DEST makes QEMU load the dynamic loader and libraries from it (no binfmt_misc needed).
# The packages the self-contained runtime links (libc6, libgcc-s1, libstdc++6, libssl3, zlib1g; libicu72 for a
# program or plugin that turns invariant globalization off) come from Debian's mirror with apt-get download under
# a private apt state whose only architecture is arm64: this machine's sources, lists and cache are never touched.
# Cached: a DEST that holds lib/ld-linux-aarch64.so.1 is kept. Usage: sysroot.sh DEST
set -euo pipefail
dest=${1:?usage: sysroot.sh DEST}
suite=${DEBIAN_SUITE:-bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=(libc6 libgcc-s1 libstdc++6 libicu72 libssl3 zlib1g)
if [ -e "$dest/lib/ld-linux-aarch64.so.1" ]; then
  exit 0
fi

apt_dir=$(mktemp -d)
trap 'rm -rf "$apt_dir"' EXIT
mkdir -p "$apt_dir/etc/apt.conf.d" "$apt_dir/etc/preferences.d" "$apt_dir/etc/trusted.gpg.d" "$apt_dir/state/lists/partial" \
  "$apt_dir/cache/archives/partial" "$apt_dir/debs"
echo "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" > "$apt_dir/etc/sources.list"
: > "$apt_dir/state/status"
apt=(apt-get -qq -o Dir::Etc="$apt_dir/etc" -o Dir::Etc::sourcelist="$apt_dir/etc/sources.list" -o Dir::Etc::sourceparts=-
     -o Dir::Etc::parts="$apt_dir/etc/apt.conf.d" -o Dir::Etc::preferencesparts="$apt_dir/etc/preferences.d"
     -o Dir::State="$apt_dir/state" -o Dir::State::status="$apt_dir/state/status" -o Dir::Cache="$apt_dir/cache"
     -o APT::Architecture=arm64 -o APT::Architectures=arm64 -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
"${apt[@]}" update
(cd "$apt_dir/debs" && "${apt[@]}" download "${packages[@]}")

rm -rf "$dest.new"
mkdir -p "$dest.new"
for deb in "$apt_dir"/debs/*.deb; do
  dpkg-deb -x "$deb" "$dest.new"
done
# Debian's merged /usr: the loader's path (/lib/ld-linux-aarch64.so.1) and /lib64 point into /usr/lib, as on a node.
for dir in lib lib64; do
  if [ ! -e "$dest.new/$dir" ] && [ -d "$dest.new/usr/$dir" ]; then ln -s "usr/$dir" "$dest.new/$dir"; fi
done
test -e "$dest.new/lib/ld-linux-aarch64.so.1" || { echo "Error: the arm64 sysroot has no lib/ld-linux-aarch64.so.1" >&2; exit 1; }
rm -rf "$dest"
mv "$dest.new" "$dest"
echo "arm64 sysroot in $dest ($(du -sh "$dest" | cut -f1)): ${packages[*]}"
