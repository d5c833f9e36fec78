using CocoonNet.Host.State;

namespace CocoonNet.Tests.Unit;

public sealed class PoolStateJsonTests
{
    [Fact]
    public void Upstreams_file_loads_and_unknown_keys_are_ignored()
    {
        var state = PoolStateJson.Read("""
            {
              "platform": "gke",
              "nodeName": "cocoon-pool",
              "subnet": "172.20.100.0/24",
              "gateway": "172.20.100.1",
              "primaryNIC": "ens4",
              "ips": ["172.20.100.2", "172.20.100.3"],
              "aliasRangeName": "cocoon-pods",
              "dnsServers": ["8.8.8.8"],
              "dropCIDRs": ["10.0.0.0/8"],
              "updatedAt": "2026-07-24T04:58:43.123456789Z"
            }
            """);
        Assert.Equal("gke", state.Platform);
        Assert.Equal(["172.20.100.2", "172.20.100.3"], state.Ips);
        Assert.Equal("cocoon-pods", state.AliasRangeName);
        Assert.Equal(new DateTimeOffset(2026, 7, 24, 4, 58, 43, TimeSpan.Zero).AddTicks(1234568), state.UpdatedAt);
        Assert.Equal("", state.Mode);
    }

    [Fact]
    public void Written_in_upstreams_key_order_with_empty_optionals_omitted_and_no_trailing_newline()
    {
        var json = PoolStateJson.Write(new PoolState
        {
            Platform = "generic",
            NodeName = "n",
            Subnet = "10.0.0.0/24",
            Gateway = "10.0.0.1",
            Ips = null,
            SecondaryNics = [],
            Mode = PoolState.ModeAdopt,
            UpdatedAt = new DateTimeOffset(2026, 7, 24, 4, 58, 43, TimeSpan.Zero).AddTicks(1230000),
        });
        Assert.StartsWith("{\n  \"platform\": \"generic\",\n  \"nodeName\": \"n\",\n  \"subnet\": \"10.0.0.0/24\",\n  \"gateway\": \"10.0.0.1\",\n  \"ips\": null,\n  \"mode\": \"adopt\",", json);
        Assert.EndsWith("\"updatedAt\": \"2026-07-24T04:58:43.123Z\"\n}", json);
        Assert.DoesNotContain("secondaryNICs", json);
    }

    [Fact]
    public void Round_trip_keeps_everything()
    {
        var state = new PoolState
        {
            Platform = "volcengine",
            NodeName = "node-a",
            Subnet = "10.0.0.0/24",
            Gateway = "10.0.0.1",
            PrimaryNic = "eth0",
            SecondaryNics = ["eth1", "eth2"],
            Ips = ["10.0.0.10", "10.0.0.11"],
            EniIds = ["eni-1"],
            SubnetId = "subnet-x",
            DnsServers = ["8.8.8.8"],
            Mode = PoolState.ModeInit,
            Plugin = "volcengine",
            PluginVersion = "1.0.0",
            ManageIptables = true,
            Cloud = new Dictionary<string, string> { ["createdSubnet"] = "true" },
            Host = new()
            {
                BridgeCreated = true,
                BridgeAddress = "10.0.0.1/24",
                Iptables = true,
                IptablesFingerprint = "nft:1-2",
                DhcpService = "process",
                Files = ["/etc/x"],
            },
            UpdatedAt = DateTimeOffset.UnixEpoch,
        };
        var json = PoolStateJson.Write(state);
        var back = PoolStateJson.Read(json);
        Assert.Equal(json, PoolStateJson.Write(back));
        Assert.Equal("2026-11-27T23:15:35Z", PoolStateJson.FormatTimestamp(new DateTimeOffset(2026, 11, 27, 23, 15, 35, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("2026-07-24T04:58:43Z", 0)]
    [InlineData("2026-07-24T04:58:43.1234567Z", 1234567)]
    [InlineData("2026-07-24T06:58:43.5+02:00", 5000000)]
    [InlineData("2026-07-24T04:58:43.99999999Z", 10000000)]
    public void Timestamps_parse_to_utc_whichever_parser_reads_them(string text, long ticks) =>
        Assert.Equal(new DateTimeOffset(2026, 7, 24, 4, 58, 43, TimeSpan.Zero).AddTicks(ticks),
            PoolStateJson.Read($$"""{"updatedAt": "{{text}}"}""").UpdatedAt);

    [Fact]
    public void Same_content_compares_every_field_but_the_timestamp()
    {
        var state = PoolStateJson.Read(PoolStateJson.Write(new PoolState { Ips = ["10.0.0.2"], UpdatedAt = DateTimeOffset.UnixEpoch }));
        Assert.True(state.SameContentAs(state with { UpdatedAt = DateTimeOffset.UtcNow, Ips = ["10.0.0.2"] }));

        // Every property, present and future: changing it alone must count as a change.
        foreach (var property in typeof(PoolState).GetProperties().Where(p => p.Name != nameof(PoolState.UpdatedAt)))
        {
            var changed = state with { };
            property.SetValue(changed, Different(property.PropertyType, property.GetValue(state)));
            Assert.False(state.SameContentAs(changed), property.Name);
        }

        foreach (var property in typeof(Host.Pipeline.HostFootprint).GetProperties())
        {
            var footprint = state.Host.Clone();
            property.SetValue(footprint, Different(property.PropertyType, property.GetValue(state.Host)));
            Assert.False(state.SameContentAs(state with { Host = footprint }), "host." + property.Name);
        }
    }

    private static object Different(Type type, object? value) => type switch
    {
        _ when type == typeof(string) => (string?)value + "x",
        _ when type == typeof(bool) => !(bool)value!,
        _ when type == typeof(List<string>) => new List<string> { "x" },
        _ when type == typeof(Dictionary<string, string>) => new Dictionary<string, string> { ["x"] = "y" },
        _ when type == typeof(Host.Pipeline.HostFootprint) => new Host.Pipeline.HostFootprint { BridgeCreated = true },
        _ => throw new InvalidOperationException($"teach this test how to change a {type}"),
    };

    [Fact]
    public void Store_writes_atomically_with_mode_0640_and_skips_identical_content()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"cocoon-state-{Guid.NewGuid():N}");
        try
        {
            var store = new PoolStateStore(dir, TimeProvider.System);
            var saved = store.Save(new PoolState { Platform = "generic", NodeName = "n", Ips = [] }, null);
            Assert.Equal((UnixFileMode)0b110_100_000, File.GetUnixFileMode(store.Path));
            var written = File.GetLastWriteTimeUtc(store.Path);
            Thread.Sleep(20);
            Assert.Same(saved, store.Save(saved with { UpdatedAt = DateTimeOffset.UtcNow }, saved));
            Assert.Equal(written, File.GetLastWriteTimeUtc(store.Path));
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
            File.WriteAllText(store.Path, "{not json");
            Assert.Contains("parse pool state", Assert.Throws<InvalidDataException>(store.Load).Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
