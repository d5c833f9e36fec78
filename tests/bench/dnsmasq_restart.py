#!/usr/bin/env python3
"""make bench, agent part: how long after dnsmasq is killed the agent has it serving DHCP again.

Runs inside the node namespace. Kills the dnsmasq behind the pid file with SIGKILL and polls (1 ms) until a new
dnsmasq pid is in the pid file and that process holds the DHCP port (UDP 67 bound, from /proc/net/udp of this
namespace). Rounds are 11 s apart: the agent treats a dnsmasq that dies within 10 s of its start as one that keeps
dying and backs off, which is not what is measured here. Prints JSON: {"dhcp": [ms...]}.
"""
import json, os, signal, sys, time


def pid(pid_file):
    try:
        value = int(open(pid_file).read().strip())
        os.kill(value, 0)
        return value
    except (OSError, ValueError):
        return None


def dhcp_bound():
    for line in open("/proc/net/udp").read().splitlines()[1:]:
        local = line.split()[1]
        if local.endswith(":0043"):
            return True
    return False


def main():
    pid_file, rounds = sys.argv[1], int(sys.argv[2])
    result = []
    for i in range(rounds):
        old = pid(pid_file)
        if old is None:
            raise SystemExit(f"no running dnsmasq behind {pid_file}")
        os.kill(old, signal.SIGKILL)
        killed = time.monotonic()
        while True:
            new = pid(pid_file)
            if new is not None and new != old and dhcp_bound():
                break
            if time.monotonic() - killed > 10:
                raise SystemExit("dnsmasq was not serving again within 10 s")
            time.sleep(0.001)
        result.append((time.monotonic() - killed) * 1000)
        if i + 1 < rounds:
            time.sleep(11)
    print(json.dumps({"dhcp": result}))


main()
