using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CocoonNet.Host.Agent.Telemetry;

/// <summary>
/// Where the agent serves <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c>: <c>HOST:PORT</c> with an IPv4
/// address, <c>0.0.0.0</c> (every IPv4 address) or <c>[::]</c> (every address). No host names: a name could
/// resolve to a different address at each start; only <c>localhost</c>, which cannot. Upstream's forms are taken
/// too: <c>:PORT</c> (Go's empty host) is every IPv4 address, as <c>0.0.0.0</c>: unlike Go, no fallback is needed
/// where IPv6 is off, and <c>[::]</c> says it when IPv6 is wanted.
/// </summary>
internal sealed record ListenAddress(IPAddress Address, int Port)
{
    public const string Default = "127.0.0.1:9092";

    /// <summary>True for <c>0.0.0.0</c> and <c>[::]</c>: the listener accepts on every address.</summary>
    public bool IsWildcard => Address.Equals(IPAddress.Any) || Address.Equals(IPAddress.IPv6Any);

    /// <summary>The <see cref="System.Net.HttpListener"/> prefix: <c>+</c> matches any Host header on a wildcard.</summary>
    public string Prefix => $"http://{(IsWildcard ? "+" : Address.ToString())}:{Port.ToString(CultureInfo.InvariantCulture)}/";

    public override string ToString() => Address.AddressFamily == AddressFamily.InterNetworkV6
        ? $"[{Address}]:{Port.ToString(CultureInfo.InvariantCulture)}"
        : $"{Address}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Parses <paramref name="text"/>; on failure <paramref name="error"/> is one line saying what to write instead,
    /// naming <paramref name="source"/> (the flag or variable the value came from).
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ListenAddress? address, [NotNullWhen(false)] out string? error, string source = "--listen")
    {
        address = null;
        var value = text?.Trim() ?? "";
        var colon = value.LastIndexOf(':');
        if (colon < 0 || colon == value.Length - 1)
        {
            error = Problem(source, value, "expected HOST:PORT");
            return false;
        }

        var host = value[..colon];
        var portText = value[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            error = Problem(source, value, $"the port '{portText}' is not a number from 1 to 65535");
            return false;
        }

        IPAddress? ip;
        if (host.Length == 0 || host == "localhost")
        {
            ip = host.Length == 0 ? IPAddress.Any : IPAddress.Loopback;
        }
        else if (host == "[::]")
        {
            ip = IPAddress.IPv6Any;
        }
        else if (host.Contains(':', StringComparison.Ordinal) || host.StartsWith('['))
        {
            error = Problem(source, value, "of IPv6 addresses only [::] (every address) is accepted");
            return false;
        }
        else if (!IPAddress.TryParse(host, out ip) || ip.AddressFamily != AddressFamily.InterNetwork
            || host.Count(c => c == '.') != 3)
        {
            // The dot count refuses the short forms IPAddress accepts ("127.1", "1"), which nobody means.
            error = Problem(source, value, $"'{host}' is not an IPv4 address (of names only localhost is accepted)");
            return false;
        }

        address = new ListenAddress(ip, port);
        error = null;
        return true;
    }

    private static string Problem(string source, string value, string why) =>
        $"{source} '{value}': {why}; write e.g. {Default}, 0.0.0.0:9092 or [::]:9092";
}
