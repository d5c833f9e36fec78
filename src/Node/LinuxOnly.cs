// cocoon-net programs the Linux kernel (netlink, /proc/sys, iptables); it runs nowhere else.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
