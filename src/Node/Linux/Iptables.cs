using CocoonNet.Node.Net;
using System.Text;
using CocoonNet.Node.Linux.Netlink;
using CocoonNet.Node.Text;

namespace CocoonNet.Node.Linux;

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
        IptablesArguments.CheckTransaction(transaction);
        var result = await runner.RunAsync("iptables-restore", ["--noflush", "--wait", "10"], transaction, cancellationToken)
            .ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"iptables-restore: {result.Describe()}");
        }
    }
}

/// <summary>
/// Checks for what goes into iptables-restore input, which is line-based and split at white space: a value with a
/// line break would add a rule of its own (to a built-in chain, say), one with a space extra arguments. Checked
/// where the text is built, whatever validated the values before.
/// </summary>
internal static class IptablesArguments
{
    /// <summary>The prefix of every chain cocoon-net writes; the built-in chains only get a jump to one.</summary>
    public const string ChainPrefix = "COCOON-NET-";

    /// <summary><paramref name="name"/> when it is an interface name (no <c>+</c> wildcard, no <c>!</c>), else refused.</summary>
    public static string Interface(string name) =>
        Names.IsInterfaceName(name) ? name : throw Refused($"interface {ConfigText.Quote(name)} is not an interface name");

    /// <summary>
    /// A whole transaction: every line a table header, COMMIT, or a command on a chain of cocoon-net's (a jump to
    /// one, for a built-in chain), with no control character inside a line.
    /// </summary>
    public static void CheckTransaction(string transaction)
    {
        foreach (var line in transaction.Split('\n'))
        {
            var words = line.Split(' ');
            var ok = ConfigText.IsOneLine(line) && (line.Length == 0 || line == "COMMIT" || words switch
            {
                [var table] when table.StartsWith('*') => table.Length > 1,
                [var chain, "-", _] when chain.StartsWith(':') => chain.AsSpan(1).StartsWith(ChainPrefix, StringComparison.Ordinal),
                ["-A" or "-F" or "-X", var chain, ..] => chain.StartsWith(ChainPrefix, StringComparison.Ordinal),
                ["-I", _, "1", "-j", var target] => target.StartsWith(ChainPrefix, StringComparison.Ordinal),
                ["-D", _, "-j", var target] => target.StartsWith(ChainPrefix, StringComparison.Ordinal),
                _ => false,
            });
            if (!ok)
            {
                throw Refused($"line {ConfigText.Quote(line)} does not act on a chain of cocoon-net's");
            }
        }
    }

    private static InvalidOperationException Refused(string why) => new($"refusing to run iptables-restore: {why} (a defect; report it)");
}
