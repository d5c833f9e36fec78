#!/usr/bin/env bash
# foreign-arch.sh ARCH COMMAND...: runs COMMAND (mmdebstrap for build-image.sh) where programs of ARCH (arm64) run
# under qemu-user-static, without changing this machine: COMMAND runs as root of a new user and mount namespace
# (ids 0-65535 mapped to themselves, so the rootfs keeps Debian's owners) that mounts a binfmt_misc instance of its
# own and registers QEMU there (Linux 6.7 and later give each user namespace its own binfmt_misc; the host's
# registrations, if any, are neither read nor changed). The registration is Debian's qemu-user-static one
# (/usr/share/binfmts/qemu-<cpu>) with the F flag: the kernel opens QEMU at registration, so it runs inside the
# rootfs's chroot too. mmdebstrap needs arch-test to accept a foreign architecture.
set -euo pipefail
arch=${1:?usage: foreign-arch.sh ARCH COMMAND...}
shift
case $arch in
  arm64) cpu=aarch64 ;;
  *) echo "Error: foreign-arch.sh knows arm64 only, not '$arch'" >&2; exit 2 ;;
esac
qemu=/usr/bin/qemu-$cpu-static
spec=/usr/share/binfmts/qemu-$cpu
for need in "$qemu" "$spec" /usr/bin/arch-test; do
  if [ ! -e "$need" ]; then
    echo "Error: $need is missing: apt-get install qemu-user-static arch-test (make deps-system)." >&2
    exit 2
  fi
done
magic=$(sed -n 's/^magic //p' "$spec")
mask=$(sed -n 's/^mask //p' "$spec")

# Inside the namespace: a private binfmt_misc, QEMU registered in it, then the command.
inside='mount -t binfmt_misc cocoon-net-binfmt /proc/sys/fs/binfmt_misc || {
  echo "Error: cannot mount a binfmt_misc of a user namespace of its own (Linux 6.7 or later is needed to build for '"$arch"')" >&2; exit 2; }
printf "%s" ":qemu-'"$cpu"':M::'"$magic"':'"$mask"':'"$qemu"':F" > /proc/sys/fs/binfmt_misc/register
exec "$@"'

# unshare maps only our own id without newuidmap (uidmap), which is not installed: map the range from here instead.
sync=$(mktemp -d)
trap 'rm -rf "$sync"' EXIT
unshare --user --mount --fork bash -c 'while [ ! -e "$1/mapped" ]; do sleep 0.05; done; shift; eval "$0"' "$inside" "$sync" "$@" &
pid=$!
child=""
for _ in $(seq 200); do
  child=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null | awk '{print $1}') || true
  [ -n "$child" ] && [ "$(readlink "/proc/$child/ns/user")" != "$(readlink /proc/self/ns/user)" ] && break
  sleep 0.05
done
if [ -z "$child" ]; then
  echo "Error: the user namespace for $arch did not start" >&2
  kill "$pid" 2>/dev/null || true
  exit 1
fi
echo "0 0 65536" > "/proc/$child/uid_map"
echo "0 0 65536" > "/proc/$child/gid_map"
touch "$sync/mapped"
wait "$pid"
