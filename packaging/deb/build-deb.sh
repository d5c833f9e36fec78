#!/usr/bin/env bash
# make deb: DIST/cocoon-net_<version>_<amd64|arm64>.deb from the release tarball of that architecture in DIST
# (make release; ARCH is x86_64, the default, or arm64: the tarball's name), installed by the
# tarball's own install.sh into a staging root (so the .deb and the tarball lay out the node the same way), plus
# the Debian metadata in packaging/deb/. Built without root: dpkg-deb --root-owner-group makes every file
# root:root. Then lintian, which must report no errors (its overrides: packaging/deb/lintian-overrides).
set -euo pipefail
dist=${1:?usage: build-deb.sh DIST VERSION [x86_64 | arm64]}
version=${2:?usage: build-deb.sh DIST VERSION [x86_64 | arm64]}
arch=${3:-x86_64}
case $arch in
  x86_64) deb_arch=amd64 ;;
  arm64) deb_arch=arm64 ;;
  *) echo "Error: unknown architecture '$arch' (x86_64 or arm64)" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH=$epoch
tarball=$dist/cocoon-net_${version}_Linux_${arch}.tar.gz
if [ ! -f "$tarball" ]; then
  echo "Error: $tarball is missing: run 'make release' first (make deb does)." >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$tarball"
root=$work/root
DESTDIR=$root PREFIX=/usr "$work/cocoon-net-$version/install.sh" >/dev/null

doc=$root/usr/share/doc/cocoon-net
install -d -m 0755 "$doc" "$root/usr/share/lintian/overrides" "$root/DEBIAN"
install -m 0644 "$here/copyright" "$doc/copyright"
install -m 0644 "$repo/README.md" "$doc/README.md"
# A native package (no Debian revision): changelog.gz, compressed reproducibly.
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$(date -u -R -d "@$epoch")/" "$here/changelog" | gzip -9n > "$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"
# The overrides, each with its reason in a comment.
install -m 0644 "$here/lintian-overrides" "$root/usr/share/lintian/overrides/cocoon-net"

for script in postinst prerm postrm; do
  install -m 0755 "$here/$script" "$root/DEBIAN/$script"
done
installed_size=$(du -sk --apparent-size --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$deb_arch/" -e "s/@INSTALLED_SIZE@/$installed_size/" "$here/control.in" > "$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
# Every staged file gets the same time stamp (dpkg-deb clamps to SOURCE_DATE_EPOCH as well).
find "$root" -exec touch -h -d "@$epoch" {} +

deb=$dist/cocoon-net_${version}_${deb_arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb.new" >/dev/null
mv "$deb.new" "$deb"
echo "built $deb ($(du -h "$deb" | cut -f1))"

if [ "${LINTIAN:-1}" = 0 ]; then
  : # make test: its lintian test checks the package
elif command -v lintian >/dev/null; then
  # Errors fail the build; warnings and infos are listed (each one kept is explained in lintian-overrides).
  lintian --fail-on error --tag-display-limit 0 "$deb"
else
  echo "note: lintian is not installed (make deps-system): the package was not checked" >&2
fi
