namespace CocoonNet.Node.Linux;

/// <summary>
/// 64-bit FNV-1a: a stable (not per-process randomized) hash for change detection. Not a defence
/// against anyone: whoever can rewrite the kernel's rules is root already.
/// </summary>
internal static class Fnv1a
{
    public const ulong Seed = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    public static ulong Add(ulong hash, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            hash = (hash ^ b) * Prime;
        }

        return hash;
    }

    /// <summary>Adds the length first, so that ("ab", "c") and ("a", "bc") differ.</summary>
    public static ulong AddBlock(ulong hash, ReadOnlySpan<byte> data) =>
        Add(Add(hash, BitConverter.GetBytes(data.Length)), data);

    public static ulong AddBlock(ulong hash, string text) => AddBlock(hash, System.Text.Encoding.UTF8.GetBytes(text));
}
