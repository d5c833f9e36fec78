using System.Text;

namespace CocoonNet.Node.Text;

/// <summary>
/// Checks for values spliced into line-based text (dnsmasq's config, iptables-restore input, a systemd unit) and
/// for quoting them in messages. Those formats end a directive at a line break and split arguments at white
/// space, so one such character inside a value would add a directive of the value's choosing.
/// </summary>
internal static class ConfigText
{
    /// <summary>No control character (C0, DEL, C1) and no Unicode line or paragraph separator.</summary>
    public static bool IsOneLine(string value) =>
        !value.Any(c => char.IsControl(c) || c is '\u2028' or '\u2029');

    /// <summary>Non-empty, one line, and no white space: one argument wherever it lands.</summary>
    public static bool IsToken(string value) =>
        value.Length > 0 && IsOneLine(value) && !value.Any(char.IsWhiteSpace);

    /// <summary>
    /// <paramref name="value"/> in double quotes for a one-line message: control characters and quotes escaped as
    /// JSON does, cut after <paramref name="max"/> characters (the value may be what an attacker wrote).
    /// </summary>
    public static string Quote(string value, int max = 64)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value.Length > max ? value[..max] : value)
        {
            _ = c switch
            {
                '"' => text.Append("\\\""),
                '\\' => text.Append("\\\\"),
                '\n' => text.Append("\\n"),
                '\r' => text.Append("\\r"),
                '\t' => text.Append("\\t"),
                _ when char.IsControl(c) || c is '\u2028' or '\u2029' => text.Append($"\\u{(int)c:x4}"),
                _ => text.Append(c),
            };
        }

        return text.Append(value.Length > max ? "...\"" : "\"").ToString();
    }
}
