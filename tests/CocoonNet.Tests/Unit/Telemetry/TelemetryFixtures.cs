using System.Net;
using System.Text;
using CocoonNet.Host.Agent.Telemetry;
using Microsoft.Extensions.Time.Testing;

namespace CocoonNet.Tests.Unit.Telemetry;

/// <summary>A dnsmasq lease file in a temporary directory, and metrics that read it.</summary>
internal sealed class LeaseFixture : IDisposable
{
    /// <summary>2026-11-29 12:00:00 UTC.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Directory.CreateTempSubdirectory("cocoon-net-leases-").FullName;

    public LeaseFixture(params string[] lines)
    {
        File.WriteAllText(LeaseFile, string.Concat(lines.Select(l => l + "\n")));
    }

    public string LeaseFile => Path.Combine(_directory, "dnsmasq.leases");

    /// <summary>A lease line: <c>expiry mac ip hostname clientid</c>.</summary>
    public static string Lease(long expiry, string ip, string mac = "52:54:00:12:34:56") => $"{expiry} {mac} {ip} vm 01:{mac}";

    /// <summary>A pool of the given addresses, as the agent reports it.</summary>
    public static IReadOnlyList<System.Net.IPAddress> Pool(params string[] ips) => ips.Select(System.Net.IPAddress.Parse).ToList();

    public static long In(TimeSpan offset) => Now.Add(offset).ToUnixTimeSeconds();

    public AgentMetrics Metrics() => new(LeaseFile, new FakeTimeProvider(Now));

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

internal static class MetricsText
{
    public static async Task<string> RenderAsync(this AgentMetrics metrics)
    {
        using var buffer = new MemoryStream();
        await metrics.ExportAsync(buffer, CancellationToken.None);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The value of one sample line (<c>name{labels} value</c>), or null when absent.</summary>
    public static double? Sample(string text, string series) =>
        text.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(l => (double?)double.Parse(l[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            .SingleOrDefault();

    public static IPAddress Ip(string text) => IPAddress.Parse(text);
}
