using System.Text.Json;
using System.Text.Json.Nodes;
using CocoonNet.Node.Linux;
using CocoonNet.Node.PortSecurity;

namespace CocoonNet.Tests.Unit.PortSecurity;

/// <summary>An nft that lists a table built from its properties (as <c>nft -j</c> prints it) and records transactions.</summary>
internal sealed class FakeNftables : INftables
{
    public bool TablePresent { get; set; }

    public List<string> Ports { get; } = [];

    public List<string> Leases { get; } = [];

    /// <summary><c>port . mac</c> bindings the kernel learned.</summary>
    public List<string> PortMacs { get; } = [];

    public List<string> RuleComments { get; } = [.. PortSecurityRuleset.Comments];

    public int Priority { get; set; } = PortSecurityRuleset.Priority;

    public List<string> Applied { get; } = [];

    public Task ApplyAsync(string transaction, CancellationToken cancellationToken)
    {
        Applied.Add(transaction);
        return Task.CompletedTask;
    }

    public Task<JsonDocument?> ListAsync(string what, CancellationToken cancellationToken) =>
        Task.FromResult(TablePresent ? JsonDocument.Parse(Listing().ToJsonString()) : null);

    public JsonObject Listing()
    {
        var items = new JsonArray
        {
            new JsonObject { ["metainfo"] = new JsonObject { ["version"] = "1.0.6" } },
            new JsonObject { ["table"] = new JsonObject { ["family"] = "bridge", ["name"] = "cocoon" } },
        };
        foreach (var (name, type, _) in PortSecurityRuleset.Sets)
        {
            var parts = type.Split(" . ");
            var set = new JsonObject
            {
                ["family"] = "bridge",
                ["name"] = name,
                ["table"] = "cocoon",
                ["type"] = parts.Length == 1 ? parts[0] : new JsonArray([.. parts.Select(p => (JsonNode)p)]),
            };
            var elements = name switch
            {
                PortSecurityRuleset.PortsSet => Ports,
                PortSecurityRuleset.LeasesSet => Leases,
                PortSecurityRuleset.PortMacsSet => PortMacs,
                _ => [],
            };
            if (elements.Count > 0)
            {
                set["elem"] = new JsonArray([.. elements.Select(Element)]);
            }

            items.Add(new JsonObject { ["set"] = set });
        }

        items.Add(new JsonObject
        {
            ["chain"] = new JsonObject
            {
                ["family"] = "bridge",
                ["table"] = "cocoon",
                ["name"] = PortSecurityRuleset.Chain,
                ["type"] = "filter",
                ["hook"] = "prerouting",
                ["prio"] = Priority,
                ["policy"] = "accept",
            },
        });
        foreach (var comment in RuleComments)
        {
            items.Add(new JsonObject
            {
                ["rule"] = new JsonObject
                {
                    ["family"] = "bridge",
                    ["table"] = "cocoon",
                    ["chain"] = PortSecurityRuleset.Chain,
                    ["comment"] = comment,
                    ["expr"] = new JsonArray(new JsonObject { ["counter"] = new JsonObject { ["packets"] = 2, ["bytes"] = 120 } }, new JsonObject { ["drop"] = null }),
                },
            });
        }

        return new JsonObject { ["nftables"] = items };
    }

    private static JsonNode Element(string element) =>
        element.Split(" . ") is [var one] ? JsonValue.Create(one) : new JsonObject { ["concat"] = new JsonArray([.. element.Split(" . ").Select(p => (JsonNode)p)]) };
}
