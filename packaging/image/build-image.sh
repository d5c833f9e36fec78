#!/usr/bin/env bash
# make image: DIST/cocoon-net-image.tar, an OCI image archive (an OCI image layout in one tar: index.json ->
# manifest -> config + one layer). The layer is a minimal Debian rootfs made by mmdebstrap (Essential packages
# plus what cocoon-net runs: dnsmasq-base, dnsmasq-utils (dhcp_release), iptables, iproute2, nftables (anti-spoofing); libstdc++6 and libssl3 for the .NET runtime;
# ca-certificates for the cloud APIs) with the release tarball installed by its own install.sh; the entrypoint
# is `cocoon-net agent`. No daemon needed (no docker, no buildah): mmdebstrap writes the rootfs as a tar, umoci
# wraps it into the layout. Needs root (mmdebstrap's root mode) and Debian's mirror (DEBIAN_MIRROR).
# amd64 only: an arm64 rootfs needs mmdebstrap to run Debian's arm64 maintainer scripts (base-passwd's users, the
# iptables alternatives, ...), that is QEMU registered in binfmt_misc, a kernel-wide setting a build script should not
# change (and --variant=extract would leave dpkg's database unconfigured). Arm64 nodes install the arm64 .deb or tarball.
# Load it with `docker load -i`, `podman load -i`, or push it: `skopeo copy oci-archive:FILE docker://REGISTRY/cocoon-net:TAG`.
set -euo pipefail
dist=${1:?usage: build-image.sh DIST VERSION}
version=${2:?usage: build-image.sh DIST VERSION}
suite=${DEBIAN_SUITE:-bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH=$epoch
tarball=$dist/cocoon-net_${version}_Linux_x86_64.tar.gz
if [ ! -f "$tarball" ]; then
  echo "Error: $tarball is missing: run 'make release' first (make image does)." >&2
  exit 2
fi
for tool in mmdebstrap umoci; do
  if ! command -v "$tool" >/dev/null; then
    echo "Error: $tool is not installed: apt-get install mmdebstrap umoci (make deps-system)." >&2
    exit 2
  fi
done
if [ "$(id -u)" != 0 ]; then
  echo "Error: make image needs root (mmdebstrap builds the rootfs as root): run it with sudo." >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$tarball"
release=$work/cocoon-net-$version

# No documentation, manuals or locales in the image (the release's README is in the tarball and the .deb).
mmdebstrap --quiet --variant=essential --arch=amd64 \
  --include=dnsmasq-base,dnsmasq-utils,iptables,iproute2,nftables,libstdc++6,libssl3,ca-certificates \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook="DESTDIR=\"\$1\" '$release/install.sh' >/dev/null" \
  --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/var/log/* "$1"/tmp/*' \
  "$suite" "$work/rootfs.tar" "$mirror"

created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
image=$work/oci:$version
umoci init --layout "$work/oci"
umoci new --image "$image"
umoci raw add-layer --image "$image" --history.created "$created" \
  --history.created_by "mmdebstrap $suite + cocoon-net $version install.sh" "$work/rootfs.tar"
umoci config --image "$image" --created "$created" --architecture amd64 --os linux \
  --config.entrypoint cocoon-net --config.entrypoint agent \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --config.label "org.opencontainers.image.title=cocoon-net" \
  --config.label "org.opencontainers.image.version=$version" \
  --config.label "org.opencontainers.image.licenses=MIT" \
  --history.created "$created" --history.created_by "entrypoint: cocoon-net agent"
umoci gc --layout "$work/oci"

tar -C "$work/oci" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -cf "$dist/cocoon-net-image.tar.new" .
mv "$dist/cocoon-net-image.tar.new" "$dist/cocoon-net-image.tar"
echo "built $dist/cocoon-net-image.tar ($(du -h "$dist/cocoon-net-image.tar" | cut -f1); tag $version; entrypoint cocoon-net agent)"
