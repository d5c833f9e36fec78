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
# It goes into the unit's ExecStart (a sed replacement) and into paths: plain path characters only.
case "$PREFIX" in
  *[!A-Za-z0-9._/+-]*) echo "Error: PREFIX may hold only letters, digits and . _ / + - (got '$PREFIX'), e.g. PREFIX=/usr/local." >&2; exit 2 ;;
esac
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
# An earlier install interrupted between its two renames left only lib.old: that is the installed program.
if [ ! -e "$lib" ] && [ ! -L "$lib" ] && [ -d "$lib.old" ] && [ ! -L "$lib.old" ]; then mv -T "$lib.old" "$lib"; fi
rm -rf "$lib.new" "$lib.old"
cp -R "$here/lib" "$lib.new"
if [ "$(id -u)" = 0 ]; then chown -R 0:0 "$lib.new"; fi
chmod -R u+rwX,go+rX,go-w "$lib.new"
if [ -e "$lib" ] || [ -L "$lib" ]; then mv -T "$lib" "$lib.old"; fi
mv -T "$lib.new" "$lib"
rm -rf "$lib.old"

# Relative, so it resolves the same inside DESTDIR (a package's staging root, a chroot) and on the node.
ln -sfn ../lib/cocoon-net/cocoon-net "$bin/cocoon-net"

# Files written through a redirection go to a new file mktemp creates (O_EXCL: never through a link someone
# planted in the destination), then are renamed over the target (which replaces a link, never follows it).
# install(1) below unlinks its target before writing, for the same reason.
# put TARGET COMMAND...: TARGET gets what COMMAND prints, whole or not at all (no pipe: a failure is not hidden).
put() {
  target=$1
  shift
  tmp=$(mktemp "$(dirname "$target")/.cocoon-net.XXXXXX")
  if ! "$@" > "$tmp"; then rm -f "$tmp"; echo "Error: writing $target failed" >&2; exit 1; fi
  chmod 0644 "$tmp"
  mv -fT "$tmp" "$target"
}
put "$units/cocoon-net.service" sed "s#^ExecStart=/usr/bin/cocoon-net #ExecStart=$PREFIX/bin/cocoon-net #" "$here/systemd/cocoon-net.service"

install -D -m 0644 "$here/completions/cocoon-net.bash" "$share/bash-completion/completions/cocoon-net"
install -D -m 0644 "$here/completions/cocoon-net.zsh" "$share/zsh/vendor-completions/_cocoon-net"
install -D -m 0644 "$here/completions/cocoon-net.fish" "$share/fish/vendor_completions.d/cocoon-net.fish"
install -d -m 0755 "$share/man/man8"
put "$share/man/man8/cocoon-net.8.gz" gzip -9nc "$here/man/cocoon-net.8"

# Make systemd see the (new) unit file; reloading enables and starts nothing.
if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi

echo "installed $lib, $bin/cocoon-net, $units/cocoon-net.service (not enabled), shell completions and the manual page"
if [ -z "$DESTDIR" ]; then
  echo "next: cocoon-net adopt (or init) once, then: systemctl enable --now cocoon-net"
fi
