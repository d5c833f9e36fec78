namespace CocoonNet.Host.Cli;

/// <summary>"Did you mean" for a mistyped command or flag: the closest known name by edit distance or prefix.</summary>
internal static class Suggestions
{
    /// <summary>The known name closest to <paramref name="typed"/>, or null when none is close enough to be a typo.</summary>
    public static string? Closest(string typed, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        var bare = typed.TrimStart('-');
        foreach (var name in known)
        {
            var candidate = name.TrimStart('-');
            if (bare.Length >= 2 && candidate.StartsWith(bare, StringComparison.OrdinalIgnoreCase))
            {
                return name; // an abbreviation
            }

            var distance = Distance(bare.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance) = (name, distance);
            }
        }

        // A transposition counts once (inti → init), so one or two edits cover most typos; a third only on longer words.
        return best is not null && bestDistance <= Math.Max(2, bare.Length / 3) && bestDistance < bare.Length ? best : null;
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions.</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
