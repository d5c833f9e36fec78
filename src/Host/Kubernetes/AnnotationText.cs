using System.Globalization;
using System.Text;

namespace CocoonNet.Host.Kubernetes;

/// <summary>
/// Annotation values as the agent's messages (the Node's condition, Events, its log) quote them. Whoever may
/// annotate the Node writes them, up to 256 KiB: each is cut to <see cref="MaxValue"/> characters with an ellipsis,
/// its control characters escaped, so one value cannot flood the API or the log, nor forge a log line.
/// </summary>
internal static class AnnotationText
{
    public const int MaxValue = 64;

    /// <summary>A condition message or an Event note at most this long (the API's limit on an Event note is 1 KiB).</summary>
    public const int MaxMessage = 1024;

    private const char Ellipsis = '…';

    /// <summary>A value as a message shows it.</summary>
    public static string Value(string value)
    {
        var shown = new StringBuilder(Math.Min(value.Length, MaxValue) + 1);
        var count = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            if (count == MaxValue)
            {
                return shown.Append(Ellipsis).ToString();
            }

            count++;
            if (Rune.IsControl(rune))
            {
                shown.Append(Escape(rune.Value));
            }
            else
            {
                shown.Append(rune.ToString());
            }
        }

        return shown.ToString();
    }

    /// <summary>
    /// <paramref name="message"/> with each of <paramref name="values"/> in it shown as <see cref="Value"/> shows it:
    /// messages built elsewhere (flag checks, the platform registry) quote what they were given whole.
    /// </summary>
    public static string In(string message, IEnumerable<string> values)
    {
        // Longest first, so a value that contains another is replaced whole.
        foreach (var value in values.SelectMany(v => new[] { v, v.Trim() }).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length))
        {
            if (value.Length > 0 && Value(value) is var shown && shown != value)
            {
                message = message.Replace(value, shown, StringComparison.Ordinal);
            }
        }

        return Message(message);
    }

    /// <summary>A whole message bounded to <see cref="MaxMessage"/> characters, control characters escaped.</summary>
    public static string Message(string message)
    {
        var text = message.Any(char.IsControl) ? string.Concat(message.Select(c => char.IsControl(c) ? Escape(c) : c.ToString())) : message;
        if (text.Length <= MaxMessage)
        {
            return text;
        }

        var cut = MaxMessage - 1;
        if (char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return text[..cut] + Ellipsis;
    }

    private static string Escape(int c) => c switch
    {
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        _ => string.Create(CultureInfo.InvariantCulture, $"\\u{c:x4}"),
    };
}
