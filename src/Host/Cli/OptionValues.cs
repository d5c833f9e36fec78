using System.CommandLine.Parsing;
using System.Globalization;

namespace CocoonNet.Host.Cli;

/// <summary>
/// Parsers for the typed flags. System.CommandLine's own conversion errors name .NET types
/// ("expected type 'System.Nullable`1[System.Int32]'"); these say what to type instead.
/// </summary>
internal static class OptionValues
{
    public static int? WholeNumber(ArgumentResult result)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (int.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        result.AddError($"{OptionName(result)} {Show(token)}: expected a whole number (e.g. {OptionName(result)} 140)");
        return null;
    }

    public static bool? Boolean(ArgumentResult result)
    {
        if (result.Tokens.Count == 0)
        {
            return true; // a bare flag
        }

        var token = result.Tokens[0].Value;
        switch (token.Trim().ToLowerInvariant())
        {
            case "true":
                return true;
            case "false":
                return false;
            default:
                result.AddError($"{OptionName(result)} {Show(token)}: expected true or false (or the bare flag)");
                return null;
        }
    }

    /// <summary>A value as typed, quoted when it is empty or has spaces, so the message shows it unambiguously.</summary>
    public static string Show(string value) =>
        value.Length == 0 || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) ? $"\"{Escape(value)}\"" : value;

    private static string Escape(string value) =>
        string.Concat(value.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));

    private static string OptionName(ArgumentResult result) =>
        result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
}
