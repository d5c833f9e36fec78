using System.Text;

namespace CocoonNet.Node.Linux;

/// <summary>The mount points this process sees (/proc/self/mountinfo), so teardown never removes one.</summary>
internal static class MountPoints
{
    public static IReadOnlySet<string> Read()
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var line in File.ReadLines("/proc/self/mountinfo"))
            {
                // "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw": field 5 is the mount point.
                var fields = line.Split(' ');
                if (fields.Length > 4)
                {
                    result.Add(Unescape(fields[4]));
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Without mountinfo, removal still stops at a busy mount point (EBUSY).
        }

        return result;
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as octal (<c>\040</c>).</summary>
    internal static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var text = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                text.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                text.Append(field[i]);
            }
        }

        return text.ToString();
    }

    private static bool IsOctal(string field, int start) =>
        start + 3 <= field.Length && field.Skip(start).Take(3).All(c => c is >= '0' and <= '7');
}
