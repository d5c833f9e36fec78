using System.Globalization;

namespace CocoonNet.Node.Text;

/// <summary>Counts in output read as English: "1 rule", "3 rules", never "1 rules" or "rule(s)".</summary>
internal static class Plural
{
    /// <summary><c>3 rules</c>: the count and the noun in the number it needs.</summary>
    public static string Of(int count, string singular, string? plural = null) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + Noun(count, singular, plural);

    /// <summary>The noun alone, for a count printed elsewhere or a list that follows.</summary>
    public static string Noun(int count, string singular, string? plural = null) =>
        count == 1 ? singular : plural ?? singular + "s";
}

/// <summary>A count and its noun, formatted only when shown: for log arguments at levels that may be off.</summary>
internal readonly struct Counted(int count, string singular)
{
    public override string ToString() => Plural.Of(count, singular);
}
