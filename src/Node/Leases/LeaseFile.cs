using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using CocoonNet.Node.Linux;

namespace CocoonNet.Node.Leases;

/// <summary>
/// <c>&lt;state-dir&gt;/leases.json</c> in upstream's format, which vk-cocoon reads (<c>network/dhcp.go</c>): a JSON array
/// of <c>{"mac", "ip", "expiry"}</c>, expiry RFC 3339 in UTC to the second, two-space indent. Written whole by
/// <see cref="AtomicFile"/> (temp file, fsync, rename, directory fsync; never through a link), so a reader or a kill
/// -9 sees the old or the new file, never a mix, and a lease written before its ACK survives a crash. An empty
/// table is <c>[]</c> (upstream writes <c>null</c>; Go reads both as no lease).
/// </summary>
internal static class LeaseFile
{
    public const string FileName = "leases.json";

    /// <summary>A /16 pool fully leased is ~5 MB; anything larger is not ours.</summary>
    public const long MaxBytes = 16 * 1024 * 1024;

    private const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static string PathIn(string stateDirectory) => Path.Combine(stateDirectory, FileName);

    /// <summary>
    /// The leases in <paramref name="path"/>, in file order. A missing file is no lease; a row whose MAC, address or
    /// expiry does not parse is skipped, as vk-cocoon skips it. A file that is not a JSON array of objects is
    /// <see cref="LeaseFileException"/>; one that is not a regular file is <see cref="UnsafeFileException"/>.
    /// </summary>
    public static IReadOnlyList<Lease> Read(string path)
    {
        switch (SafeFile.TryRead(path, MaxBytes, out var content))
        {
            case SafeFile.ReadOutcome.Missing:
                return [];
            case SafeFile.ReadOutcome.TooLarge:
                throw new LeaseFileException($"{path} is larger than {MaxBytes / (1024 * 1024)} MiB: not a lease file of cocoon-net's");
        }

        LeaseRow[]? rows;
        try
        {
            rows = JsonSerializer.Deserialize(content, LeaseJsonContext.Default.LeaseRowArray);
        }
        catch (JsonException e)
        {
            throw new LeaseFileException($"{path} is not a lease file (a JSON array of {{\"mac\", \"ip\", \"expiry\"}}): {e.Message}", e);
        }

        var leases = new List<Lease>(rows?.Length ?? 0);
        foreach (var row in rows ?? [])
        {
            if (row is not null
                && MacAddress.TryCanonical(row.Mac, out var mac)
                && IPAddress.TryParse(row.Ip, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
                && DateTimeOffset.TryParse(row.Expiry, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var expiry))
            {
                leases.Add(new Lease(mac, ip, expiry));
            }
        }

        return leases;
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="leases"/>, durably (fsync'd) before it returns.</summary>
    public static void Write(string path, IReadOnlyCollection<Lease> leases) => AtomicFile.Write(path, Render(leases), Mode);

    /// <summary>The file's bytes for <paramref name="leases"/>, in the order given.</summary>
    public static byte[] Render(IReadOnlyCollection<Lease> leases)
    {
        var rows = leases.Select(l => new LeaseRow(l.Mac, l.Ip.ToString(), FormatExpiry(l.Expiry))).ToArray();
        return JsonSerializer.SerializeToUtf8Bytes(rows, LeaseJsonContext.Default.LeaseRowArray);
    }

    /// <summary>RFC 3339 to the second in UTC (<c>2026-12-06T14:00:00Z</c>), which Go's <c>time.RFC3339</c> parses.</summary>
    public static string FormatExpiry(DateTimeOffset expiry) =>
        expiry.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>One row of leases.json, as written and read.</summary>
internal sealed record LeaseRow(
    [property: JsonPropertyName("mac")] string? Mac,
    [property: JsonPropertyName("ip")] string? Ip,
    [property: JsonPropertyName("expiry")] string? Expiry);

/// <summary>leases.json's source-generated serializer metadata (no reflection).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, IndentSize = 2, NewLine = "\n", GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(LeaseRow[]))]
internal sealed partial class LeaseJsonContext : JsonSerializerContext;

/// <summary>leases.json cannot be read as a lease file; the message is one line naming the file.</summary>
internal sealed class LeaseFileException(string message, Exception? inner = null) : IOException(message, inner);
