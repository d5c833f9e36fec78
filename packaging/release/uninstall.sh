#!/bin/sh
# Removes exactly what install.sh put in place (same PREFIX and DESTDIR from the environment). Run
# "cocoon-net teardown" first: this removes the program, not what it did to the node. An enabled agent is
# disabled and stopped first, so systemd is not left starting a program that is gone; dnsmasq keeps serving.
set -eu

if [ "$#" -gt 0 ]; then
  echo "Error: uninstall.sh takes no arguments (got '$1'); set PREFIX or DESTDIR in the environment instead." >&2
  exit 2
fi
PREFIX=${PREFIX:-/usr}
DESTDIR=${DESTDIR:-}
case "$PREFIX" in
  /*) ;;
  *) echo "Error: PREFIX must be an absolute path (got '$PREFIX'), e.g. PREFIX=/usr/local." >&2; exit 2 ;;
esac
PREFIX=${PREFIX%/}
if [ -z "$DESTDIR" ] && [ "$(id -u)" != 0 ]; then
  echo "Error: removing cocoon-net from $PREFIX needs root: run it with sudo." >&2
  exit 2
fi

units=$DESTDIR$PREFIX/lib/systemd/system
share=$DESTDIR$PREFIX/share
if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ] && [ -f "$units/cocoon-net.service" ]; then
  systemctl disable --now cocoon-net.service || true
fi
rm -rf "$DESTDIR$PREFIX/lib/cocoon-net" "$DESTDIR$PREFIX/lib/cocoon-net.new" "$DESTDIR$PREFIX/lib/cocoon-net.old"
if [ -L "$DESTDIR$PREFIX/bin/cocoon-net" ]; then rm -f "$DESTDIR$PREFIX/bin/cocoon-net"; fi
rm -f "$units/cocoon-net.service" "$share/bash-completion/completions/cocoon-net" "$share/zsh/vendor-completions/_cocoon-net" \
  "$share/fish/vendor_completions.d/cocoon-net.fish" "$share/man/man8/cocoon-net.8.gz"
if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
echo "removed cocoon-net from $DESTDIR$PREFIX (the node's networking is as it was: cocoon-net teardown undoes it)"
