using System.Text.Json;

namespace CocoonNet.Node.PortSecurity;

/// <summary>
/// The table <c>bridge cocoon</c> as <c>nft -j list table bridge cocoon</c> shows it: whether its chain and sets have the
/// shape this version makes, whether the chain's rules are this version's (by their comments), and the elements of the
/// sets the step and the agent keep.
/// </summary>
internal sealed class LivePortSecurity
{
    private readonly Dictionary<string, string> _setTypes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _elements = new(StringComparer.Ordinal);
    private readonly List<string> _ruleComments = [];
    private readonly Dictionary<string, long> _dropped = new(StringComparer.Ordinal);

    private string? _hook;
    private int? _priority;
    private string? _policy;
    private string? _chainType;

    /// <summary>Whether the base chain hooks prerouting at <see cref="PortSecurityRuleset.Priority"/>, accepting by default.</summary>
    public bool HasChain => _hook == "prerouting" && _priority == PortSecurityRuleset.Priority && _policy == "accept" && _chainType == "filter";

    /// <summary>Whether every set is there with its type: the table can then be updated in place, keeping the bindings.</summary>
    public bool HasSets => PortSecurityRuleset.Sets.All(s => _setTypes.TryGetValue(s.Name, out var type) && type == s.Type);

    /// <summary>Whether the chain holds exactly this version's rules, in order.</summary>
    public bool RulesCurrent => _ruleComments.SequenceEqual(PortSecurityRuleset.Comments);

    public int RuleCount => _ruleComments.Count;

    /// <summary>The elements of a set as the step compares them: port names, or leases as <c>mac . ip</c>.</summary>
    public IReadOnlyList<string> Elements(string set) => _elements.TryGetValue(set, out var list) ? list : [];

    /// <summary>Packets dropped by the rules with counters, by the rule's reason.</summary>
    public IReadOnlyDictionary<string, long> Dropped => _dropped;

    public static LivePortSecurity Parse(JsonDocument listing)
    {
        var live = new LivePortSecurity();
        foreach (var item in listing.RootElement.GetProperty("nftables").EnumerateArray())
        {
            if (item.TryGetProperty("set", out var set))
            {
                var name = set.GetProperty("name").GetString() ?? "";
                var type = set.GetProperty("type");
                live._setTypes[name] = type.ValueKind == JsonValueKind.Array
                    ? string.Join(" . ", type.EnumerateArray().Select(t => t.GetString()))
                    : type.GetString() ?? "";
                live._elements[name] = set.TryGetProperty("elem", out var elements) ? [.. elements.EnumerateArray().Select(Element)] : [];
            }
            else if (item.TryGetProperty("chain", out var chain) && chain.GetProperty("name").GetString() == PortSecurityRuleset.Chain)
            {
                live._hook = chain.TryGetProperty("hook", out var hook) ? hook.GetString() : null;
                live._priority = chain.TryGetProperty("prio", out var prio) && prio.ValueKind == JsonValueKind.Number ? prio.GetInt32() : null;
                live._policy = chain.TryGetProperty("policy", out var policy) ? policy.GetString() : null;
                live._chainType = chain.TryGetProperty("type", out var type) ? type.GetString() : null;
            }
            else if (item.TryGetProperty("rule", out var rule) && rule.GetProperty("chain").GetString() == PortSecurityRuleset.Chain)
            {
                var comment = rule.TryGetProperty("comment", out var c) ? c.GetString() ?? "" : "";
                live._ruleComments.Add(comment);
                foreach (var expression in rule.GetProperty("expr").EnumerateArray())
                {
                    if (expression.TryGetProperty("counter", out var counter) && counter.ValueKind == JsonValueKind.Object
                        && counter.TryGetProperty("packets", out var packets))
                    {
                        var why = comment.IndexOf(": ", StringComparison.Ordinal) is var at and >= 0 ? comment[(at + 2)..] : comment;
                        live._dropped[why] = live._dropped.GetValueOrDefault(why) + packets.GetInt64();
                    }
                }
            }
        }

        return live;
    }

    // A plain element is a string; a concatenation {"concat": [a, b]}; an element with a timeout or counter {"elem": {"val": ...}}.
    private static string Element(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString() ?? "",
        JsonValueKind.Object when element.TryGetProperty("concat", out var parts) =>
            string.Join(" . ", parts.EnumerateArray().Select(Element)),
        JsonValueKind.Object when element.TryGetProperty("elem", out var inner) && inner.TryGetProperty("val", out var value) => Element(value),
        _ => element.ToString(),
    };
}
