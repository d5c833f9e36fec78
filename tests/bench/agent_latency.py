#!/usr/bin/env python3
"""make bench, agent part: repair latency measured from the kernel's own events.

Runs inside the node namespace (ip netns exec), with no tracer attached to the agent. N times: deletes one pool /32
route and waits for the agent to add it back, timed as `ip -ts monitor route` stamps the two kernel events (route
deleted -> route added); adds a guest-agent-style local route for the VM range on a veth and waits for the agent to
delete it, timed by this script's own rtnetlink subscription (RTMGRP_IPV4_ROUTE). Either way both events come through
the same socket, so the observer's own delay cancels out.
Prints JSON: {"route": [ms...], "local": [ms...]}.
"""
import datetime, json, queue, socket, struct, subprocess, sys, threading, time

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


class Monitor:
    """`ip -ts monitor route`: each line with the time ip stamped on it as the kernel's notification arrived."""

    def __init__(self):
        self.proc = subprocess.Popen(["ip", "-ts", "monitor", "route"], stdout=subprocess.PIPE, text=True, bufsize=1)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("["):
                stamp, _, rest = line[1:].partition("] ")
                self.lines.put((datetime.datetime.fromisoformat(stamp).timestamp(), rest.strip()))

    def wait_for(self, prefix, timeout=2.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                stamp, rest = self.lines.get(timeout=max(0.001, deadline - time.monotonic()))
            except queue.Empty:
                raise SystemExit(f"timed out waiting for '{prefix}' from ip monitor")
            if rest.startswith(prefix):
                return stamp

    def stop(self):
        self.proc.terminate()


def main():
    prefix, rounds = sys.argv[1], int(sys.argv[2])   # e.g. 172.20.0  20
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    sock.bind((0, RTMGRP_IPV4_ROUTE))
    subprocess.run(["ip", "link", "add", "guest0", "type", "veth", "peer", "name", "guest1"], check=False, stderr=subprocess.DEVNULL)
    subprocess.run(["ip", "link", "set", "guest0", "up"], check=True)
    monitor = Monitor()
    time.sleep(0.2)  # subscribed before the first change
    result = {"route": [], "local": []}
    for i in range(rounds):
        ip = f"{prefix}.{10 + i % 200}"
        subprocess.run(["ip", "route", "del", f"{ip}/32", "dev", "cni0"], check=True)
        gone = monitor.wait_for(f"Deleted {ip} dev cni0")
        back = monitor.wait_for(f"{ip} dev cni0")
        result["route"].append((back - gone) * 1000)
        time.sleep(0.05)
        # A different /28 each round: each is its own object for the agent's flap guard.
        net = f"{prefix}.{(i % 16) * 16}"
        subprocess.run(["ip", "route", "add", "local", f"{net}/28", "dev", "guest0", "table", "local", "proto", "66"], check=True)
        added = wait_for(sock, RTM_NEWROUTE, 255, net, 28)
        removed = wait_for(sock, RTM_DELROUTE, 255, net, 28)
        result["local"].append((removed - added) * 1000)
        time.sleep(0.05)
    monitor.stop()
    subprocess.run(["ip", "link", "del", "guest0"], check=False)
    print(json.dumps(result))


main()
