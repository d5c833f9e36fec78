#!/usr/bin/env bash
# Writes cocoon-net(8) to stdout from the program's own help (the root and every command's --help), so the
# manual page says exactly what the build it ships with accepts. Usage: make-manpage.sh PROGRAM VERSION EPOCH
set -euo pipefail
program=${1:?usage: make-manpage.sh PROGRAM VERSION EPOCH}
version=${2:?usage: make-manpage.sh PROGRAM VERSION EPOCH}
epoch=${3:?usage: make-manpage.sh PROGRAM VERSION EPOCH}

# Help text as literal troff: backslashes escaped, a leading dot or quote kept from reading as a request.
literal() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }

cat <<HEAD
.TH COCOON-NET 8 "$(date -u -d "@$epoch" +%Y-%m-%d)" "cocoon-net $version" "System Administration"
.SH NAME
cocoon-net \- VPC-native networking for Cocoon VM nodes
.SH SYNOPSIS
.B cocoon-net
.I command
.RI [ options ]
.SH DESCRIPTION
cocoon-net configures a Kubernetes VM node so that the VMs on the Linux bridge cni0 take addresses that are
routable in the cloud VPC by DHCP: the bridge, one /32 route per VM address, iptables forwarding and NAT,
dnsmasq, the CNI configuration and the pool state in /var/lib/cocoon/net/pool.json.
Plugins in /usr/lib/cocoon-net/plugins provision the cloud side.
.PP
.nf
HEAD
"$program" --help | literal
echo ".fi"
echo ".SH COMMANDS"
for command in init adopt status teardown plugins agent completion; do
  # The agent's help is also upstream's daemon's (an alias): both names head its section.
  if [ "$command" = agent ]; then echo '.SS "agent, daemon"'; else echo ".SS $command"; fi
  echo ".nf"
  "$program" "$command" --help | literal
  echo ".fi"
done
cat <<'TAIL'
.SH FILES
.TP
.I /var/lib/cocoon/net/pool.json
the node's pool state
.TP
.I /usr/lib/systemd/system/cocoon-net.service
the agent's unit (not enabled by installation)
.SH SEE ALSO
.BR dnsmasq (8),
.BR iptables (8),
.BR ip (8),
and /usr/share/doc/cocoon-net/README.md.
TAIL
