namespace CocoonNet.Host.Operations;

/// <summary>
/// --state-dir as given: an empty value would hide a mistake behind the default, and a relative one would depend on
/// where root happens to stand. Both, and names no filesystem can hold, are bad input.
/// </summary>
internal static class StateDirectoryValidator
{
    public static string Validate(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new UsageException("--state-dir is empty: give an absolute directory such as /var/lib/cocoon/net, or leave the flag out for that default");
        }

        if (value.Any(char.IsControl))
        {
            throw new UsageException("--state-dir contains a control character (NUL, newline, ...); give a plain absolute directory");
        }

        if (!Path.IsPathRooted(value))
        {
            throw new UsageException($"--state-dir {value} is relative; give an absolute directory such as /var/lib/cocoon/net");
        }

        var full = Path.GetFullPath(value);
        if (full == "/")
        {
            throw new UsageException("--state-dir / is the filesystem root; give a directory of its own such as /var/lib/cocoon/net");
        }

        return full.Length > 1 ? full.TrimEnd('/') : full;
    }
}
