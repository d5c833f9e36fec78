// cocoon-net runs on Linux only (network namespaces, netlink, systemd); so does this plugin.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
