using System.Text;

namespace CocoonNet.Host.Agent.Telemetry;

/// <summary>
/// The request line of an HTTP/1.x request, which is all the endpoints look at: the method and the path (query
/// dropped). Headers are only skipped up to the blank line; a body is never read (every answer closes the connection).
/// </summary>
internal sealed record HttpRequestHead(string Method, string Path)
{
    public enum Outcome
    {
        Incomplete,
        Malformed,
        Complete,
    }

    /// <summary>Parses <paramref name="received"/>: <see cref="Outcome.Incomplete"/> until the blank line ending the headers arrived.</summary>
    public static Outcome TryParse(ReadOnlySpan<byte> received, out HttpRequestHead? head)
    {
        head = null;
        var end = received.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            end = received.IndexOf("\n\n"u8);
        }

        if (end < 0)
        {
            return Outcome.Incomplete;
        }

        var lineEnd = received.IndexOf((byte)'\n');
        var line = received[..lineEnd].TrimEnd((byte)'\r');
        if (line.ContainsAnyExceptInRange((byte)0x20, (byte)0x7E))
        {
            return Outcome.Malformed;
        }

        var parts = Encoding.ASCII.GetString(line).Split(' ');
        if (parts.Length != 3 || parts[0].Length == 0 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            return Outcome.Malformed;
        }

        var target = parts[1];
        // Absolute form ("http://host/path"), which proxies send.
        if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            var slash = target.IndexOf('/', "http://".Length);
            target = slash < 0 ? "/" : target[slash..];
        }

        if (!target.StartsWith('/'))
        {
            return Outcome.Malformed;
        }

        var query = target.IndexOf('?');
        head = new HttpRequestHead(parts[0], query < 0 ? target : target[..query]);
        return Outcome.Complete;
    }
}
