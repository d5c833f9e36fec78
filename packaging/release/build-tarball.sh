#!/usr/bin/env bash
# make release: packs the built OUT (make build: self-contained) into DIST as
#   cocoon-net_<version>_Linux_<arch>.tar.gz (+ .sha256) and the same bytes as cocoon-net_Linux_<arch>.tar.gz
#   (+ .sha256), the name a "latest" download link points at. ARCH is x86_64 (the default: the program is OUT's) or
#   arm64, whose program is PROGRAM_DIR (a linux-arm64 self-contained publish of the host); both take the plugins
#   from OUT/plugins (IL, no architecture-specific files) and their completions and manual page from OUT's program
#   (the same commands: it runs here, the arm64 one would need an emulator).
# The tarball holds one directory, cocoon-net-<version>/: install.sh, uninstall.sh, README.md, LICENSE, lib/ (the program and
# plugins/<name>/), systemd/cocoon-net.service, completions/ and man/cocoon-net.8. No symbols, XML docs, createdump, test plugins,
# SDK packages or emulators. Reproducible for a given OUT: sorted entries, root:root, every mtime
# SOURCE_DATE_EPOCH (default: the last commit's time), gzip without a name or time stamp.
set -euo pipefail
usage="usage: build-tarball.sh OUT DIST VERSION [x86_64 | arm64 PROGRAM_DIR]"
out=${1:?$usage}
dist=${2:?$usage}
version=${3:?$usage}
arch=${4:-x86_64}
case $arch in
  x86_64) program=$out ;;
  arm64) program=${5:?$usage} ;;
  *) echo "Error: unknown architecture '$arch' (x86_64 or arm64)" >&2; exit 2 ;;
esac
repo=$(cd "$(dirname "$0")/../.." && pwd)
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}

if [ ! -x "$out/cocoon-net" ]; then
  echo "Error: $out/cocoon-net is missing: run 'make build' first (make release does)." >&2
  exit 2
fi
if [ ! -e "$program/cocoon-net" ]; then
  echo "Error: $program/cocoon-net is missing: run 'make build-arm64' first (make release does)." >&2
  exit 2
fi
if [ ! -e "$program/libcoreclr.so" ]; then
  echo "warning: $program is a framework-dependent build (SELF_CONTAINED=false): nodes need the .NET 10 runtime; ship a self-contained build" >&2
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
name=cocoon-net-$version
tree=$stage/$name
mkdir -p "$tree/lib" "$tree/systemd" "$tree/completions" "$tree/man"
# What runs, as make install copies it, less the LTTng trace provider: it links liblttng-ust.so.0, which current
# distributions no longer ship (coreclr starts without it; it is only loaded for LTTng tracing), and the Windows-only
# assemblies of plugin dependencies (runtimes/win: never loaded on Linux).
# The program's directory holds no plugins for arm64 (a publish of the host alone): OUT's are added.
excludes=(--exclude='./test-plugins' --exclude='./test-contracts' --exclude='./packages' --exclude='./emulators' --exclude='./arm64-sysroot'
          --exclude='./obj' --exclude='*.pdb' --exclude='*.xml' --exclude='createdump'
          --exclude='libcoreclrtraceptprovider.so' --exclude='./plugins/*/runtimes/win')
tar -C "$program" "${excludes[@]}" --exclude='./plugins' -cf - . | tar -C "$tree/lib" --no-same-owner -xf -
tar -C "$out" "${excludes[@]}" -cf - ./plugins | tar -C "$tree/lib" --no-same-owner -xf -
cp "$repo/packaging/release/install.sh" "$repo/packaging/release/uninstall.sh" "$tree/"
cp "$repo/packaging/systemd/cocoon-net.service" "$tree/systemd/"
cp "$repo/README.md" "$repo/LICENSE" "$tree/"
# The completion scripts and the manual page are text the program prints (completion SHELL, COMMAND --help): made from the
# command tree of this very build, so they never disagree with it.
for shell in bash zsh fish; do
  "$out/cocoon-net" completion "$shell" > "$tree/completions/cocoon-net.$shell"
done
bash "$repo/packaging/release/make-manpage.sh" "$out/cocoon-net" "$version" "$epoch" > "$tree/man/cocoon-net.8"
# Plain files are 0644 (shared libraries and assemblies are mapped, never executed; some NuGet packages ship
# them executable), directories 0755; only the program and the two scripts are executable.
find "$tree" -type d -exec chmod 0755 {} +
find "$tree" -type f -exec chmod 0644 {} +
chmod 0755 "$tree/install.sh" "$tree/uninstall.sh" "$tree/lib/cocoon-net"

mkdir -p "$dist"
tarball=cocoon-net_${version}_Linux_${arch}.tar.gz
latest=cocoon-net_Linux_${arch}.tar.gz
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" --format=gnu -cf - "$name" \
  | gzip -9n > "$dist/$tarball.new"
mv "$dist/$tarball.new" "$dist/$tarball"
cp "$dist/$tarball" "$dist/$latest"
# One file per archive, in sha256sum's own format, so `sha256sum -c NAME.sha256` checks it beside the archive.
(cd "$dist" && sha256sum "$tarball" > "$tarball.sha256" && sha256sum "$latest" > "$latest.sha256")
echo "released $dist/$tarball ($(du -h "$dist/$tarball" | cut -f1); unpacked $(du -sh "$tree" | cut -f1)) and $dist/$latest"
