using CocoonNet.Host.Plugins;

namespace CocoonNet.Host.Cli;

/// <summary>The table printed by <c>cocoon-net plugins</c>.</summary>
internal static class PluginsReport
{
    public static void Print(IReadOnlyList<DiscoveredPlugin> plugins, string directory, TextWriter output)
    {
        output.WriteLine($"plugins directory: {directory}");
        if (plugins.Count == 0)
        {
            output.WriteLine("no plugins found");
            return;
        }

        var rows = plugins.Select(p => (
            Name: p.Name,
            Version: p.Version.Length > 0 ? p.Version : "-",
            Abi: p.AbiVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
            Platforms: p.Platforms.Count > 0 ? string.Join(",", p.Platforms) : "-",
            p.Status)).ToList();
        var w1 = Math.Max(4, rows.Max(r => r.Name.Length));
        var w2 = Math.Max(7, rows.Max(r => r.Version.Length));
        var w4 = Math.Max(9, rows.Max(r => r.Platforms.Length));
        output.WriteLine($"{"NAME".PadRight(w1)}  {"VERSION".PadRight(w2)}  ABI  {"PLATFORMS".PadRight(w4)}  STATUS");
        foreach (var r in rows)
        {
            output.WriteLine($"{r.Name.PadRight(w1)}  {r.Version.PadRight(w2)}  {r.Abi,-3}  {r.Platforms.PadRight(w4)}  {r.Status}");
        }
    }
}
