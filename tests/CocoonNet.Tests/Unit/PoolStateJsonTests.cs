using CocoonNet.Node.Pipeline;
using CocoonNet.Node.State;

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
            Cloud = StateMap.From(new Dictionary<string, string> { ["createdSubnet"] = "true" }),
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
    public void Equality_compares_every_field_but_the_timestamp_present_and_future()
    {
        var state = Full();
        Assert.True(state.SameContentAs(state with { UpdatedAt = DateTimeOffset.UtcNow, Ips = ["10.0.0.10", "10.0.0.11"] }));

        // Every property, present and future: changing it alone must count as a change. A property of a
        // type this test does not know fails it until the test (and the type's equality) is thought about.
        foreach (var property in typeof(PoolState).GetProperties().Where(p => p.Name != nameof(PoolState.UpdatedAt) && p.CanWrite))
        {
            var changed = state with { };
            property.SetValue(changed, Different(property.PropertyType, property.GetValue(state)));
            Assert.False(state.SameContentAs(changed), property.Name);
        }

        foreach (var property in typeof(HostFootprint).GetProperties())
        {
            var footprint = state.Host.Snapshot();
            property.SetValue(footprint, Different(property.PropertyType, property.GetValue(state.Host)));
            Assert.False(state.SameContentAs(state with { Host = footprint }), "host." + property.Name);
            Assert.NotEqual(state.Host, footprint);
        }
    }

    [Fact]
    public void Equality_is_by_value_for_every_field_so_a_re_read_state_equals_the_one_written()
    {
        // Every property set, so a member compared by reference (a List, a Dictionary) would differ here.
        var state = Full();
        foreach (var property in typeof(PoolState).GetProperties())
        {
            Assert.NotEqual(property.PropertyType.IsValueType ? Activator.CreateInstance(property.PropertyType) : null, property.GetValue(state));
        }

        foreach (var property in typeof(HostFootprint).GetProperties())
        {
            Assert.NotEqual(property.PropertyType.IsValueType ? Activator.CreateInstance(property.PropertyType) : null, property.GetValue(state.Host));
        }

        var back = PoolStateJson.Read(PoolStateJson.Write(state));
        Assert.Equal(state, back);
        Assert.Equal(state.GetHashCode(), back.GetHashCode());
        Assert.True(state.SameContentAs(back));
    }

    [Fact]
    public void A_snapshot_of_the_footprint_does_not_follow_later_changes()
    {
        var footprint = new HostFootprint { Files = ["/a"] };
        var snapshot = footprint.Snapshot();
        footprint.RecordCreatedFile("/b");
        footprint.ForgetFile("/a");
        footprint.BridgeCreated = true;
        Assert.Equal(["/a"], snapshot.Files);
        Assert.False(snapshot.BridgeCreated);
        Assert.Equal(["/b"], footprint.Files);
    }

    [Fact]
    public void Every_key_left_out_when_empty_is_a_key_of_the_file()
    {
        var keys = PoolStateJsonContext.Default.PoolState.Properties.Concat(PoolStateJsonContext.Default.HostFootprint.Properties)
            .Select(p => p.Name).ToHashSet();
        Assert.All(PoolStateJson.OmittedWhenEmpty, key => Assert.Contains(key, keys));
        Assert.DoesNotContain("ips", PoolStateJson.OmittedWhenEmpty);
        Assert.DoesNotContain("files", PoolStateJson.OmittedWhenEmpty);
    }

    [Fact]
    public void Cloud_holds_strings_and_lists_and_a_one_item_list_stays_a_list()
    {
        var cloud = StateMap.From(
            new Dictionary<string, string> { ["zone"] = "cn-beijing-a" },
            new Dictionary<string, IReadOnlyList<string>> { ["routeTables"] = ["rt-1"], ["securityGroups"] = ["sg-1", "sg-2"] });
        var json = PoolStateJson.Write(new PoolState { Cloud = cloud });
        Assert.Contains("""
              "cloud": {
                "routeTables": [
                  "rt-1"
                ],
                "securityGroups": [
                  "sg-1",
                  "sg-2"
                ],
                "zone": "cn-beijing-a"
              },
            """.ReplaceLineEndings("\n"), json);

        var back = PoolStateJson.Read(json).Cloud!;
        Assert.Equal(cloud, back);
        Assert.Equal(new Dictionary<string, string> { ["zone"] = "cn-beijing-a" }, back.Values);
        Assert.Equal(["routeTables", "securityGroups"], back.Lists.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["rt-1"], back.Lists["routeTables"]);
        Assert.NotEqual(cloud, StateMap.From(new Dictionary<string, string> { ["zone"] = "cn-beijing-a", ["routeTables"] = "rt-1" }));
    }

    [Fact]
    public void Older_and_odd_files_load_with_defaults_where_keys_are_missing_or_null()
    {
        var state = PoolStateJson.Read("""
            // hand-edited
            {"platform": null, "ips": null, "cloud": {"a": "b", "c": null}, "host": {"files": null}, "future": {"x": [1]},}
            """);
        Assert.Equal("", state.Platform);
        Assert.Null(state.Ips);
        Assert.Equal(StateMap.From(new Dictionary<string, string> { ["a"] = "b", ["c"] = "" }), state.Cloud);
        Assert.Empty(state.Host.Files);
        Assert.Empty(state.Host.Directories);

        var bare = PoolStateJson.Read("{}");
        Assert.Equal(new PoolState(), bare);
        Assert.True(bare.Host.OwnsNothing());
        Assert.True(bare.IsNeverProvisioned());
    }

    [Theory]
    [InlineData("[]", "expected a JSON object (line 1)")]
    [InlineData("null", "expected a JSON object")]
    [InlineData("{not json", "'n' is an invalid start of a property name. Expected a '\"'. LineNumber: 0 | BytePositionInLine: 1.")]
    [InlineData("""{"ips": "10.0.0.2"}""", "expected a list of strings at 'ips' (line 1)")]
    [InlineData("""{"host": {"files": [1]}}""", "expected a list of strings at 'host.files' (line 1)")]
    [InlineData("""{"cloud": {"a": 1}}""", "expected a string or a list of strings at 'cloud' (line 1)")]
    [InlineData("{\n\"updatedAt\": \"yesterday\"}", "expected an RFC 3339 time at 'updatedAt' (line 2)")]
    [InlineData("""{"manageIptables": "yes"}""", "a value of the wrong kind at 'manageIptables' (line 1)")]
    [InlineData("""{"host": 3}""", "a value of the wrong kind at 'host' (line 1)")]
    public void A_malformed_file_is_described_in_the_files_terms_without_dotnet_type_names(string json, string expected)
    {
        var e = Assert.ThrowsAny<System.Text.Json.JsonException>(() => PoolStateJson.Read(json));
        Assert.Equal(expected, PoolStateFormatException.Describe(e));
    }

    private static PoolState Full() => new()
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
        AliasRangeName = "range",
        DnsServers = ["8.8.8.8"],
        Mode = PoolState.ModeInit,
        Plugin = "volcengine",
        PluginVersion = "1.0.0",
        ManageIptables = true,
        Dhcp = "embedded",
        LeaseSeconds = 3600,
        VmIsolation = true,
        AntiSpoofing = true,
        Mtu = 1460,
        DropInternalAccess = true,
        DropCidrs = ["192.168.0.0/16"],
        Settings = StateMap.From(new Dictionary<string, string> { ["security-group-id"] = "sg-1" }),
        Cloud = StateMap.From(new Dictionary<string, string> { ["createdSubnet"] = "true" },
            new Dictionary<string, IReadOnlyList<string>> { ["list"] = ["a"] }),
        Host = new()
        {
            BridgeCreated = true,
            BridgeAddress = "10.0.0.1/24",
            BridgeOriginalMtu = 1500,
            Iptables = true,
            IptablesFingerprint = "nft:1-2",
            PortSecurity = true,
            DhcpService = "process",
            DhcpUnitInstalled = true,
            Files = ["/etc/x"],
            Directories = ["/etc/d"],
        },
        UpdatedAt = DateTimeOffset.UnixEpoch.AddTicks(1),
    };

    private static object Different(Type type, object? value) => type switch
    {
        _ when type == typeof(string) => (string?)value + "x",
        _ when type == typeof(bool) => !(bool)value!,
        _ when type == typeof(int?) => ((int?)value ?? 0) + 1,
        _ when type == typeof(bool?) => !((bool?)value ?? false),
        _ when type == typeof(StringList) => ((StringList?)value ?? StringList.Empty).Append("x"),
        _ when type == typeof(StateMap) => StateMap.From(((StateMap?)value ?? StateMap.Empty).Append(new("x", "y"))),
        _ when type == typeof(HostFootprint) => new HostFootprint { BridgeCreated = true },
        _ => throw new InvalidOperationException($"teach this test how to change a {type}, and make sure that type has value equality"),
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
            Assert.Contains("parse pool state", Assert.Throws<PoolStateInvalidException>(store.Load).Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
