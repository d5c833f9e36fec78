#!/bin/sh
# Installs the cocoon-net release tree this script sits in:
#   $PREFIX/lib/cocoon-net/            the program and its first-party plugins (plugins/<name>/)
#   $PREFIX/bin/cocoon-net             a relative link to it (the program finds plugins/ beside its real path)
#   $PREFIX/lib/systemd/system/        cocoon-net.service (the agent), not enabled
#   $PREFIX/share/{bash-completion,zsh,fish}/...   shell completions
#   $PREFIX/share/man/man8/cocoon-net.8.gz       the manual page
# PREFIX (default /usr) and DESTDIR (default empty: this machine) come from the environment, as with make.
# It never enables or starts anything and never touches the node's network: an installed agent keeps
# running the old program until it is restarted (systemctl restart cocoon-net).
set -eu

usage() {
  echo "usage: [DESTDIR=DIR] [PREFIX=/usr] $0" >&2
}

if [ "$#" -gt 0 ]; then
  case "$1" in
    -h|--help) usage; exit 0 ;;
    *) echo "Error: install.sh takes no arguments (got '$1'); set PREFIX or DESTDIR in the environment instead." >&2; usage; exit 2 ;;
  esac
fi

here=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-/usr}
DESTDIR=${DESTDIR:-}
case "$PREFIX" in
  /*) ;;
  *) echo "Error: PREFIX must be an absolute path (got '$PREFIX'), e.g. PREFIX=/usr/local." >&2; exit 2 ;;
esac
PREFIX=${PREFIX%/}
if [ ! -x "$here/lib/cocoon-net" ] || [ ! -d "$here/lib/plugins" ]; then
  echo "Error: $here is not a complete cocoon-net release tree (lib/cocoon-net or lib/plugins is missing): unpack the tarball again." >&2
  exit 2
fi
if [ -z "$DESTDIR" ] && [ "$(id -u)" != 0 ]; then
  echo "Error: installing to $PREFIX needs root: run it with sudo (or set DESTDIR to stage a package)." >&2
  exit 2
fi

lib=$DESTDIR$PREFIX/lib/cocoon-net
bin=$DESTDIR$PREFIX/bin
units=$DESTDIR$PREFIX/lib/systemd/system
share=$DESTDIR$PREFIX/share

# The new tree is staged beside the old one and swapped in by rename: an interrupted install leaves the
# old program whole, and a running agent keeps the files it has open.
install -d -m 0755 "$(dirname "$lib")" "$bin" "$units"
rm -rf "$lib.new" "$lib.old"
cp -R "$here/lib" "$lib.new"
if [ "$(id -u)" = 0 ]; then chown -R 0:0 "$lib.new"; fi
chmod -R u+rwX,go+rX,go-w "$lib.new"
if [ -e "$lib" ]; then mv "$lib" "$lib.old"; fi
mv "$lib.new" "$lib"
rm -rf "$lib.old"

# Relative, so it resolves the same inside DESTDIR (a package's staging root, a chroot) and on the node.
ln -sfn ../lib/cocoon-net/cocoon-net "$bin/cocoon-net"

sed "s#^ExecStart=/usr/bin/cocoon-net #ExecStart=$PREFIX/bin/cocoon-net #" "$here/systemd/cocoon-net.service" > "$units/cocoon-net.service.new"
chmod 0644 "$units/cocoon-net.service.new"
mv "$units/cocoon-net.service.new" "$units/cocoon-net.service"

install -D -m 0644 "$here/completions/cocoon-net.bash" "$share/bash-completion/completions/cocoon-net"
install -D -m 0644 "$here/completions/cocoon-net.zsh" "$share/zsh/vendor-completions/_cocoon-net"
install -D -m 0644 "$here/completions/cocoon-net.fish" "$share/fish/vendor_completions.d/cocoon-net.fish"
install -d -m 0755 "$share/man/man8"
gzip -9n < "$here/man/cocoon-net.8" > "$share/man/man8/cocoon-net.8.gz"
chmod 0644 "$share/man/man8/cocoon-net.8.gz"

# Make systemd see the (new) unit file; reloading enables and starts nothing.
if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi

echo "installed $lib, $bin/cocoon-net, $units/cocoon-net.service (not enabled), shell completions and the manual page"
if [ -z "$DESTDIR" ]; then
  echo "next: cocoon-net adopt (or init) once, then: systemctl enable --now cocoon-net"
fi
