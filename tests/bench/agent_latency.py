#!/usr/bin/env python3
"""make bench, agent part: repair latency measured from the kernel's own events.

Runs inside the node namespace (ip netns exec). Subscribes to rtnetlink (RTMGRP_IPV4_ROUTE), then N times:
deletes one pool /32 route and waits for the agent to add it back; adds a guest-agent-style local route for the
VM range on a dummy NIC and waits for the agent to delete it. Latency = time between the two kernel events as
this observer receives them (both through the same socket, so the observer's own delay cancels out).
Prints JSON: {"route": [ms...], "local": [ms...]}.
"""
import json, os, socket, struct, subprocess, sys, time

RTMGRP_IPV4_ROUTE = 0x40
RTM_NEWROUTE, RTM_DELROUTE = 24, 25
RTA_DST, RTA_OIF = 1, 4


def routes(sock, deadline):
    """Yields (type, table, dst, dst_len) for route events until the deadline."""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.001, deadline - time.monotonic()))
        try:
            data = sock.recv(1 << 20)
        except socket.timeout:
            return
        now = time.monotonic()
        off = 0
        while off + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, off)
            if length < 16:
                break
            if kind in (RTM_NEWROUTE, RTM_DELROUTE):
                family, dst_len, _src_len, _tos, table = struct.unpack_from("=BBBBB", data, off + 16)
                dst = None
                a = off + 16 + 12
                while a + 4 <= off + length:
                    alen, atype = struct.unpack_from("=HH", data, a)
                    if alen < 4:
                        break
                    if atype == RTA_DST and alen == 8:
                        dst = socket.inet_ntoa(data[a + 4:a + 8])
                    a += (alen + 3) & ~3
                if family == socket.AF_INET:
                    yield now, kind, table, dst, dst_len
            off += (length + 3) & ~3


def wait_for(sock, kind, table, dst, dst_len, timeout=2.0):
    for now, k, t, d, l in routes(sock, time.monotonic() + timeout):
        if k == kind and t == table and d == dst and l == dst_len:
            return now
    raise SystemExit(f"timed out waiting for {'NEW' if kind == RTM_NEWROUTE else 'DEL'}ROUTE {dst}/{dst_len} table {table}")


def main():
    prefix, rounds = sys.argv[1], int(sys.argv[2])   # e.g. 172.20.0  20
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    sock.bind((0, RTMGRP_IPV4_ROUTE))
    subprocess.run(["ip", "link", "add", "guest0", "type", "veth", "peer", "name", "guest1"], check=False, stderr=subprocess.DEVNULL)
    subprocess.run(["ip", "link", "set", "guest0", "up"], check=True)
    result = {"route": [], "local": []}
    for i in range(rounds):
        ip = f"{prefix}.{10 + i % 200}"
        subprocess.run(["ip", "route", "del", f"{ip}/32", "dev", "cni0"], check=True)
        gone = wait_for(sock, RTM_DELROUTE, 254, ip, 32)
        back = wait_for(sock, RTM_NEWROUTE, 254, ip, 32)
        result["route"].append((back - gone) * 1000)
        time.sleep(0.05)
        # A different /28 each round: each is its own object for the agent's flap guard.
        net = f"{prefix}.{(i % 16) * 16}"
        subprocess.run(["ip", "route", "add", "local", f"{net}/28", "dev", "guest0", "table", "local", "proto", "66"], check=True)
        added = wait_for(sock, RTM_NEWROUTE, 255, net, 28)
        removed = wait_for(sock, RTM_DELROUTE, 255, net, 28)
        result["local"].append((removed - added) * 1000)
        time.sleep(0.05)
    subprocess.run(["ip", "link", "del", "guest0"], check=False)
    print(json.dumps(result))


main()
