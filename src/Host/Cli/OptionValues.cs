using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using CocoonNet.Node.Net;
using CocoonNet.Host.Operations;
using CocoonNet.Host.Settings;

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

    /// <summary><c>--subnet</c>: an IPv4 CIDR without host bits, /30 or shorter (the validator's sentences).</summary>
    public static IPNetwork? Subnet(ArgumentResult result) =>
        Typed<IPNetwork?>(result, text => NodeRequestValidator.ParseSubnet(text));

    /// <summary><c>--gateway</c>: an IPv4 address (whether it fits the subnet is checked once both are known); empty means the default.</summary>
    public static IPAddress? Gateway(ArgumentResult result) =>
        Typed<IPAddress?>(result, text => string.IsNullOrWhiteSpace(text)
            ? null
            : Ipv4.TryParseStrict(text.Trim(), out var address) ? address : throw new UsageException($"--gateway {text} is not an IPv4 address"));

    /// <summary><c>--dns</c>: comma-separated IPv4 addresses; empty means none.</summary>
    public static IReadOnlyList<IPAddress>? DnsServers(ArgumentResult result) =>
        Typed(result, NodeRequestValidator.ParseDns) ?? [];

    /// <summary><c>--lease-time</c>: a duration in seconds, minutes, hours or days, within dnsmasq's floor and a year.</summary>
    public static int? LeaseTime(ArgumentResult result) =>
        Typed<int?>(result, text => NodeRequestValidator.ParseLeaseTime(text));

    /// <summary><c>--mtu</c>: 576..9000, or <c>auto</c> (<see cref="IsolationInput.AutoMtu"/>) to follow the primary NIC again.</summary>
    public static int? Mtu(ArgumentResult result) =>
        Typed<int?>(result, text => IsolationInput.ParseMtu(text));

    /// <summary>
    /// <c>--drop-cidr</c>, every occurrence: canonical IPv4 networks in the order given, duplicates dropped; <c>none</c>
    /// (alone) gives an empty list, which clears the recorded one.
    /// </summary>
    public static IReadOnlyList<IPNetwork>? DropCidrs(ArgumentResult result)
    {
        try
        {
            return IsolationInput.ParseDropCidrs(result.Tokens.Select(t => t.Value).ToList());
        }
        catch (UsageException e)
        {
            result.AddError(e.Message);
            return null;
        }
    }

    /// <summary>Runs a validator's parser on the token; its UsageException becomes the parse error (same words).</summary>
    private static T? Typed<T>(ArgumentResult result, Func<string, T> parse)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        try
        {
            return parse(token);
        }
        catch (UsageException e)
        {
            result.AddError(e.Message);
            return default;
        }
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

    /// <summary>A value as typed, quoted when it is empty or has spaces (one rule for flags, variables and files).</summary>
    public static string Show(string value) => SettingValues.Show(value);

    private static string OptionName(ArgumentResult result) =>
        result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
}
