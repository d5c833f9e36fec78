using System.Text.RegularExpressions;

namespace CocoonNet.Providers.Gke.GuestAgent;

/// <summary>
/// Minimal, lossless editing of the guest agent's INI files (go-ini semantics: sections and keys are
/// matched case-insensitively, the last assignment wins, <c>#</c> and <c>;</c> start comments). Every line
/// not being changed is kept byte for byte.
/// </summary>
internal static partial class InstanceConfig
{
    public const string Section = "IpForwarding";
    public const string Key = "ip_aliases";

    /// <summary>The last value of <paramref name="key"/> in <paramref name="section"/>, or null.</summary>
    public static string? Get(string? text, string section = Section, string key = Key)
    {
        string? value = null;
        foreach (var (_, sectionName, keyName, keyValue) in Lines(text))
        {
            if (Same(sectionName, section) && Same(keyName, key))
            {
                value = keyValue;
            }
        }

        return value;
    }

    public static bool HasSection(string? text, string section = Section) =>
        Lines(text).Any(l => l.KeyName is null && Same(l.SectionName, section) && HeaderPattern().IsMatch(l.Raw));

    /// <summary>go-ini's boolean parsing, for the "false" side.</summary>
    public static bool IsFalse(string? value) =>
        value?.Trim().ToLowerInvariant() is "false" or "f" or "0" or "no" or "n" or "off";

    /// <summary>Sets the key: rewrites its lines in the section, else adds it to the section, else adds both.</summary>
    public static string Set(string? text, string value, string section = Section, string key = Key)
    {
        var lines = SplitLines(text);
        var parsed = Lines(text).ToList();
        var replaced = false;
        for (var i = 0; i < parsed.Count; i++)
        {
            if (Same(parsed[i].SectionName, section) && Same(parsed[i].KeyName, key))
            {
                var indent = parsed[i].Raw[..(parsed[i].Raw.Length - parsed[i].Raw.TrimStart().Length)];
                lines[i] = $"{indent}{key} = {value}";
                replaced = true;
            }
        }

        if (!replaced)
        {
            var lastOfSection = -1;
            for (var i = 0; i < parsed.Count; i++)
            {
                if (Same(parsed[i].SectionName, section) && parsed[i].Raw.Trim().Length > 0)
                {
                    lastOfSection = i;
                }
            }

            if (lastOfSection >= 0)
            {
                lines.Insert(lastOfSection + 1, $"{key} = {value}");
            }
            else
            {
                if (lines.Count > 0 && lines[^1].Trim().Length > 0)
                {
                    lines.Add("");
                }

                lines.Add($"[{section}]");
                lines.Add($"{key} = {value}");
            }
        }

        return Join(lines);
    }

    /// <summary>
    /// Removes the key's lines from the section; with <paramref name="dropEmptySection"/> also the section
    /// header when nothing but blank lines is left in it.
    /// </summary>
    public static string Remove(string? text, bool dropEmptySection, string section = Section, string key = Key)
    {
        var parsed = Lines(text).ToList();
        var keep = parsed.Select(l => !(Same(l.SectionName, section) && Same(l.KeyName, key))).ToList();
        if (dropEmptySection)
        {
            var inSection = Enumerable.Range(0, parsed.Count).Where(i => Same(parsed[i].SectionName, section)).ToList();
            var empty = inSection.All(i => !keep[i] || parsed[i].Raw.Trim().Length == 0 || HeaderPattern().IsMatch(parsed[i].Raw));
            if (empty)
            {
                inSection.ForEach(i => keep[i] = false);
                // The blank line that separated the section from what came before.
                if (inSection.Count > 0 && inSection[0] > 0 && parsed[inSection[0] - 1].Raw.Trim().Length == 0)
                {
                    keep[inSection[0] - 1] = false;
                }
            }
        }

        var lines = SplitLines(text);
        return Join(Enumerable.Range(0, lines.Count).Where(i => keep[i]).Select(i => lines[i]).ToList());
    }

    private static bool Same(string? a, string b) => a is not null && string.Equals(a.Trim(), b, StringComparison.OrdinalIgnoreCase);

    private static List<string> SplitLines(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var lines = text.Split('\n').ToList();
        if (lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines;
    }

    private static string Join(List<string> lines) => lines.Count == 0 ? "" : string.Join('\n', lines) + "\n";

    /// <summary>Each line with the section it belongs to and, for assignments, its key and value.</summary>
    private static IEnumerable<(string Raw, string? SectionName, string? KeyName, string? Value)> Lines(string? text)
    {
        string? section = null;
        foreach (var raw in SplitLines(text))
        {
            var line = raw.TrimEnd('\r');
            var header = HeaderPattern().Match(line);
            if (header.Success)
            {
                section = header.Groups[1].Value.Trim();
                yield return (raw, section, null, null);
                continue;
            }

            var assignment = AssignmentPattern().Match(line);
            yield return assignment.Success
                ? (raw, section, assignment.Groups[1].Value.Trim(), assignment.Groups[2].Value.Trim())
                : (raw, section, null, null);
        }
    }

    [GeneratedRegex(@"^\s*\[([^\]]+)\]\s*$")]
    private static partial Regex HeaderPattern();

    [GeneratedRegex(@"^\s*([^\s#;=:\[][^=:]*?)\s*[=:]\s*(.*?)\s*$")]
    private static partial Regex AssignmentPattern();
}
