#!/usr/bin/env bash
# make image: DIST/cocoon-net-image.tar, an OCI image archive (an OCI image layout in one tar: index.json ->
# manifest -> config + one layer). The layer is a minimal Debian rootfs made by mmdebstrap (Essential packages
# plus what cocoon-net runs: dnsmasq-base, dnsmasq-utils (dhcp_release), iptables, iproute2, nftables (anti-spoofing); libstdc++6 and libssl3 for the .NET runtime;
# ca-certificates for the cloud APIs) with the release tarball installed by its own install.sh; the entrypoint
# is `cocoon-net agent`. No daemon needed (no docker, no buildah): mmdebstrap writes the rootfs as a tar, umoci
# wraps it into the layout. Needs root (mmdebstrap's root mode) and Debian's mirror (DEBIAN_MIRROR).
# Load it with `docker load -i`, `podman load -i`, or push it: `skopeo copy oci-archive:FILE docker://REGISTRY/cocoon-net:TAG`.
# ARCH arm64 writes DIST/cocoon-net-image-arm64.tar from the arm64 release: a Debian arm64 rootfs, whose packages'
# maintainer scripts run under qemu-aarch64-static (foreign-arch.sh: a binfmt_misc registration private to a user
# namespace, so nothing on this machine changes).
set -euo pipefail
usage="usage: build-image.sh DIST VERSION [amd64 | arm64]"
dist=${1:?$usage}
version=${2:?$usage}
arch=${3:-amd64}
case $arch in
  amd64) tarball_arch=x86_64 image_name=cocoon-net-image.tar ;;
  arm64) tarball_arch=arm64 image_name=cocoon-net-image-arm64.tar ;;
  *) echo "Error: unknown architecture '$arch' ($usage)" >&2; exit 2 ;;
esac
suite=${DEBIAN_SUITE:-bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH=$epoch
tarball=$dist/cocoon-net_${version}_Linux_${tarball_arch}.tar.gz
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

# The arm64 packages' maintainer scripts are arm64 programs: run mmdebstrap where they can run (see foreign-arch.sh).
wrap=()
if [ "$arch" != amd64 ]; then
  wrap=(bash "$here/foreign-arch.sh" "$arch")
fi

# No documentation, manuals or locales in the image (the release's README is in the tarball and the .deb).
"${wrap[@]}" mmdebstrap --quiet --variant=essential --arch="$arch" \
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
umoci config --image "$image" --created "$created" --architecture "$arch" --os linux \
  --config.entrypoint cocoon-net --config.entrypoint agent \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --config.label "org.opencontainers.image.title=cocoon-net" \
  --config.label "org.opencontainers.image.version=$version" \
  --config.label "org.opencontainers.image.licenses=MIT" \
  --history.created "$created" --history.created_by "entrypoint: cocoon-net agent"
umoci gc --layout "$work/oci"

tar -C "$work/oci" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -cf "$dist/$image_name.new" .
mv "$dist/$image_name.new" "$dist/$image_name"
echo "built $dist/$image_name ($(du -h "$dist/$image_name" | cut -f1); $arch; tag $version; entrypoint cocoon-net agent)"
