using System.Text;
using CocoonNet.Host.Linux.Netlink;

namespace CocoonNet.Host.Linux;

/// <summary>iptables as whole-table snapshots in and atomic restore transactions out.</summary>
internal interface IIptables
{
    /// <summary>One <c>iptables-save</c> of every table (the prefetched one, if a prefetch is pending).</summary>
    Task<IptablesSnapshot> SaveAsync(CancellationToken cancellationToken);

    /// <summary>Starts an <c>iptables-save</c> in the background for the next <see cref="SaveAsync"/>.</summary>
    void Prefetch();

    /// <summary>One <c>iptables-restore --noflush</c> transaction: all of it applies or none.</summary>
    Task RestoreAsync(string transaction, CancellationToken cancellationToken);

    /// <summary>
    /// A fingerprint of what the kernel holds for <paramref name="chains"/>: each chain's rules and the
    /// rules of its parent that jump to it, read over nftables netlink (no process). Null when any of the
    /// chains is missing there or nftables cannot be read (iptables-legacy, no nf_tables).
    /// </summary>
    string? LiveFingerprint((string Table, string Parent, string Chain)[] chains);
}

/// <summary>Parsed <c>iptables-save</c> output: table -> chain -> rules as printed (<c>-A CHAIN ...</c>).</summary>
internal sealed class IptablesSnapshot
{
    private readonly Dictionary<string, Dictionary<string, List<string>>> _tables = new(StringComparer.Ordinal);

    public static IptablesSnapshot Parse(string save)
    {
        var snapshot = new IptablesSnapshot();
        Dictionary<string, List<string>>? table = null;
        foreach (var raw in save.Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.StartsWith('*'))
            {
                table = snapshot.Table(line[1..]);
            }
            else if (table is not null && line.StartsWith(':'))
            {
                var name = line[1..].Split(' ')[0];
                table.TryAdd(name, []);
            }
            else if (table is not null && line.StartsWith("-A ", StringComparison.Ordinal))
            {
                var chain = line.Split(' ')[1];
                if (!table.TryGetValue(chain, out var rules))
                {
                    table[chain] = rules = [];
                }

                rules.Add(line);
            }
        }

        return snapshot;
    }

    public bool HasChain(string table, string chain) => _tables.TryGetValue(table, out var t) && t.ContainsKey(chain);

    public IReadOnlyList<string> Rules(string table, string chain) =>
        _tables.TryGetValue(table, out var t) && t.TryGetValue(chain, out var rules) ? rules : [];

    private Dictionary<string, List<string>> Table(string name)
    {
        if (!_tables.TryGetValue(name, out var table))
        {
            _tables[name] = table = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        }

        return table;
    }
}

internal sealed class IptablesCommands(IProcessRunner runner) : IIptables
{
    private Task<IptablesSnapshot>? _prefetched;

    public void Prefetch() => _prefetched ??= Task.Run(() => SaveNowAsync(CancellationToken.None));

    public Task<IptablesSnapshot> SaveAsync(CancellationToken cancellationToken) =>
        Interlocked.Exchange(ref _prefetched, null) ?? SaveNowAsync(cancellationToken);

    private async Task<IptablesSnapshot> SaveNowAsync(CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync("iptables-save", [], null, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"iptables-save: {result.Describe()}");
        }

        return IptablesSnapshot.Parse(result.StandardOutput);
    }

    public string? LiveFingerprint((string Table, string Parent, string Chain)[] chains)
    {
        try
        {
            using var reader = new NftRuleReader();
            var hash = Fnv1a.Seed;
            foreach (var (table, parent, chain) in chains)
            {
                if (reader.Rules(table, chain) is not { Count: > 0 } own)
                {
                    return null;
                }

                var target = Encoding.ASCII.GetBytes(chain + "\0");
                var jumps = reader.Rules(table, parent)?.Where(rule => rule.AsSpan().IndexOf(target) >= 0) ?? [];
                hash = Fnv1a.AddBlock(Fnv1a.AddBlock(Fnv1a.AddBlock(hash, table), chain), BitConverter.GetBytes(own.Count));
                foreach (var rule in own)
                {
                    hash = Fnv1a.AddBlock(hash, rule);
                }

                hash = Fnv1a.AddBlock(hash, parent);
                foreach (var rule in jumps)
                {
                    hash = Fnv1a.AddBlock(hash, rule);
                }
            }

            return $"nft:{hash:x16}";
        }
        catch (NetlinkException)
        {
            return null;
        }
    }

    public async Task RestoreAsync(string transaction, CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync("iptables-restore", ["--noflush", "--wait", "10"], transaction, cancellationToken)
            .ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"iptables-restore: {result.Describe()}");
        }
    }
}
