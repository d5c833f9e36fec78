namespace CocoonNet.Tests.Support;

/// <summary>
/// A dnsmasq first on PATH that fails to start (as a bind failure does) while refused, and runs the real one otherwise:
/// DHCP down without breaking the node. Dispose removes it.
/// </summary>
internal sealed class FailingDnsmasq : IDisposable
{
    private readonly DirectoryInfo _bin;
    private readonly string _flag;

    public FailingDnsmasq()
    {
        _bin = Directory.CreateTempSubdirectory("cocoon-net-fakebin-");
        _flag = System.IO.Path.Combine(_bin.FullName, "refuse");
        var real = Shell.Check("sh", "-c", "command -v dnsmasq || echo /usr/sbin/dnsmasq").Trim();
        var wrapper = System.IO.Path.Combine(_bin.FullName, "dnsmasq");
        File.WriteAllText(wrapper, $"#!/bin/sh\nif [ -e '{_flag}' ]; then echo 'dnsmasq: failed to bind' >&2; exit 2; fi\nexec '{real}' \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserExecute);
    }

    /// <summary>The PATH for a process that should start the wrapper: its directory before this process's PATH.</summary>
    public string Path => $"{_bin.FullName}:{Environment.GetEnvironmentVariable("PATH")}";

    /// <summary>From now on every start fails.</summary>
    public void Refuse() => File.WriteAllText(_flag, "");

    /// <summary>From now on starts run the real dnsmasq.</summary>
    public void Allow() => File.Delete(_flag);

    public void Dispose() => _bin.Delete(recursive: true);
}
