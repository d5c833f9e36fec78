using System.Net.Http.Json;
using System.Net;
using CocoonNet.Abstractions;
using CocoonNet.Gke.Tests.Support;
using CocoonNet.Providers.Gke;
using CocoonNet.Providers.Gke.Compute;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;
using NSubstitute.ReceivedExtensions;

namespace CocoonNet.Gke.Tests.Emulated;

/// <summary>The provider's cloud side against the in-process emulator: real HTTP, real GCE rules.</summary>
public sealed class ProvisionAgainstEmulatorTests
{
    private static readonly IPNetwork Subnet = IPNetwork.Parse("172.20.1.0/24");

    private static ProvisionRequest Request(IPNetwork? subnet = null, bool dryRun = false, CloudResources? previous = null)
    {
        var s = subnet ?? Subnet;
        var gateway = new IPAddress(s.BaseAddress.GetAddressBytes().Select((b, i) => i == 3 ? (byte)(b + 1) : b).ToArray());
        return new ProvisionRequest
        {
            NodeName = "vm-node",
            Pool = new AddressPool(s, gateway),
            PoolSize = 20,
            PrimaryNic = "ens4",
            Previous = previous ?? CloudResources.None,
            DryRun = dryRun,
        };
    }

    private static TeardownRequest Teardown(CloudResources resources) =>
        new() { NodeName = "vm-node", Subnet = Subnet, PrimaryNic = "ens4", Resources = resources };

    private static IEnumerable<string> Lines(IEnumerable<PlanChange> changes) => changes.Select(c => c.ToString());

    [Fact]
    public async Task Init_adds_the_range_and_the_alias_and_keeps_gke_pod_alias()
    {
        await using var gce = await InProcessGce.StartAsync();
        using var services = gce.Services();
        var checkpoint = new RecordingCheckpoint(gce);

        var result = await gce.Provider(services).ProvisionAsync(Request(), checkpoint, default);

        Assert.Equal(
            [
                "+ add secondary range cocoon-pods=172.20.1.0/24 to subnetwork gke-nodes (us-central1)",
                "+ add alias cocoon-pods:172.20.1.0/24 to nic0 of gke-node-1 (keeping gke-pods:10.8.1.0/24)",
            ],
            Lines(result.Changes));
        Assert.Equal("gke-pods:10.8.1.0/24, cocoon-pods:172.20.1.0/24", await gce.AliasesAsync("gke-node-1"));
        Assert.Equal("gke-pods:10.8.2.0/24", await gce.AliasesAsync("gke-node-2"));
        Assert.Equal("gke-pods=10.8.0.0/14, gke-services=10.12.0.0/20, cocoon-pods=172.20.1.0/24", await gce.RangesAsync());
        Assert.Equal(2, await gce.MutationsAsync());
        Assert.Equal(20, result.Ips.Count);
        Assert.Equal(IPAddress.Parse("172.20.1.2"), result.Ips[0]);
        Assert.Equal(ChangeKind.Create, result.Changes[0].Kind);
        Assert.Equal("cocoon-pods", result.Resources.Value(CloudResources.AliasRangeNameKey));
        Assert.Equal("cocoon-emu", result.Resources.Value("project"));
        Assert.Equal("us-central1-a", result.Resources.Value("zone"));
        Assert.Equal("gke-node-1", result.Resources.Value("instance"));
        Assert.Equal("projects/cocoon-emu/regions/us-central1/subnetworks/gke-nodes", result.Resources.Value("subnetwork"));
        Assert.Equal("172.20.1.0/24", result.Resources.Value("aliasIpRange"));

        // Saved before each mutation (and after): a failure midway leaves state teardown can act on.
        Assert.Equal(0, checkpoint.Saves[0].MutationsBefore);
        Assert.Contains(checkpoint.Saves, s => s.MutationsBefore == 1 && s.Resources.Value("aliasIpRange") is not null);
        Assert.Equal(2, checkpoint.Saves[^1].MutationsBefore);
    }

    [Fact]
    public async Task A_second_init_changes_nothing_in_the_cloud()
    {
        await using var gce = await InProcessGce.StartAsync();
        using var services = gce.Services();
        var first = await gce.Provider(services).ProvisionAsync(Request(), new RecordingCheckpoint(gce), default);
        var requests = (await gce.RequestsAsync()).Count;

        var again = await gce.Provider(services).ProvisionAsync(Request(previous: first.Resources), new RecordingCheckpoint(gce), default);

        Assert.Empty(again.Changes);
        Assert.Equal(2, await gce.MutationsAsync());
        Assert.DoesNotContain((await gce.RequestsAsync()).Skip(requests), r => r.StartsWith("PATCH", StringComparison.Ordinal));
        Assert.Equal(first.Resources, again.Resources);
    }

    [Fact]
    public async Task A_shared_range_is_reused_and_other_nodes_keep_their_aliases()
    {
        await using var gce = await InProcessGce.StartAsync();
        await gce.SeedRangesAsync(("gke-pods", "10.8.0.0/14"), ("cocoon-pods", "172.20.0.0/16"));
        await gce.SeedAliasesAsync("gke-node-2", ("10.8.2.0/24", "gke-pods"), ("172.20.2.0/24", "cocoon-pods"));
        using var services = gce.Services();

        var result = await gce.Provider(services).ProvisionAsync(Request(), new RecordingCheckpoint(gce), default);

        Assert.Equal(["+ add alias cocoon-pods:172.20.1.0/24 to nic0 of gke-node-1 (keeping gke-pods:10.8.1.0/24)"], Lines(result.Changes));
        Assert.Equal("gke-pods:10.8.2.0/24, cocoon-pods:172.20.2.0/24", await gce.AliasesAsync("gke-node-2"));
        Assert.Equal("gke-pods=10.8.0.0/14, cocoon-pods=172.20.0.0/16", await gce.RangesAsync());

        var teardown = await gce.Provider(services).TeardownAsync(Teardown(result.Resources), default);

        Assert.Equal(["- remove alias cocoon-pods:172.20.1.0/24 from nic0 of gke-node-1 (keeping gke-pods:10.8.1.0/24)"], Lines(teardown));
        Assert.Equal("gke-pods:10.8.1.0/24", await gce.AliasesAsync("gke-node-1"));
        Assert.Equal("gke-pods:10.8.2.0/24, cocoon-pods:172.20.2.0/24", await gce.AliasesAsync("gke-node-2"));
        Assert.Equal("gke-pods=10.8.0.0/14, cocoon-pods=172.20.0.0/16", await gce.RangesAsync());
        Assert.Empty(await gce.Provider(services).TeardownAsync(Teardown(result.Resources), default));
    }

    [Fact]
    public async Task A_range_that_does_not_cover_the_subnet_fails_before_any_change_and_says_how_to_fix_it()
    {
        await using var gce = await InProcessGce.StartAsync();
        await gce.SeedRangesAsync(("gke-pods", "10.8.0.0/14"), ("cocoon-pods", "172.20.1.0/24"));
        using var services = gce.Services();

        var error = await Assert.ThrowsAsync<GkeException>(() =>
            gce.Provider(services).ProvisionAsync(Request(IPNetwork.Parse("172.20.2.0/24")), new RecordingCheckpoint(gce), default));

        Assert.Contains("secondary range cocoon-pods on subnetwork gke-nodes (project cocoon-emu, region us-central1) is 172.20.1.0/24, which does not cover --subnet 172.20.2.0/24", error.Message);
        Assert.Contains("--add-secondary-ranges cocoon-pods=", error.Message);
        Assert.Equal(0, await gce.MutationsAsync());
    }

    [Fact]
    public async Task Dry_run_plans_without_mutating_or_checkpointing()
    {
        await using var gce = await InProcessGce.StartAsync();
        using var services = gce.Services();
        var checkpoint = Substitute.For<IProvisionCheckpoint>();

        var result = await gce.Provider(services).ProvisionAsync(Request(dryRun: true), checkpoint, default);

        Assert.Equal(2, result.Changes.Count);
        Assert.Equal(0, await gce.MutationsAsync());
        await checkpoint.DidNotReceiveWithAnyArgs().SaveAsync(default!, default);
    }

    [Fact]
    public async Task Fingerprint_races_re_read_and_keep_what_the_other_writer_added()
    {
        await using var gce = await InProcessGce.StartAsync();
        await gce.FaultsAsync(new { conflicts = 2 });
        using var services = gce.Services();

        await gce.Provider(services).ProvisionAsync(Request(), new RecordingCheckpoint(gce), default);

        Assert.Equal("gke-pods=10.8.0.0/14, gke-services=10.12.0.0/20, concurrent-1=10.200.1.0/24, concurrent-2=10.200.2.0/24, cocoon-pods=172.20.1.0/24",
            await gce.RangesAsync());
        Assert.Equal("gke-pods:10.8.1.0/24, cocoon-pods:172.20.1.0/24", await gce.AliasesAsync("gke-node-1"));
        var patches = (await gce.RequestsAsync()).Where(r => r.StartsWith("PATCH", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, patches.Count);
        // A new body after a conflict is a new change: it gets a new requestId.
        Assert.NotEqual(RequestId(patches[0]), RequestId(patches[1]));
    }

    [Fact]
    public async Task An_alias_race_re_reads_the_nic_and_keeps_every_other_alias()
    {
        await using var gce = await InProcessGce.StartAsync();
        await gce.SeedRangesAsync(("gke-pods", "10.8.0.0/14"), ("cocoon-pods", "172.20.0.0/16"));
        await gce.FaultsAsync(new { conflicts = 1 });
        using var services = gce.Services();

        var result = await gce.Provider(services).ProvisionAsync(Request(), new RecordingCheckpoint(gce), default);

        Assert.Single(result.Changes);
        Assert.Equal("gke-pods:10.8.1.0/24, cocoon-pods:172.20.1.0/24", await gce.AliasesAsync("gke-node-1"));
        Assert.Equal(2, (await gce.RequestsAsync()).Count(r => r.Contains("updateNetworkInterface", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_burst_of_503s_and_429s_is_ridden_out()
    {
        await using var gce = await InProcessGce.StartAsync();
        await gce.FaultsAsync(new { unavailable = 3, rateLimited = 2 });
        using var services = gce.Services();

        var result = await gce.Provider(services).ProvisionAsync(Request(), new RecordingCheckpoint(gce), default);

        Assert.Equal(2, result.Changes.Count);
        Assert.Equal(2, await gce.MutationsAsync());
    }

    [Theory]
    [InlineData("subnetworkNotReady")]
    [InlineData("concurrentOperationsQuota")]
    [InlineData("quotaPerMinute")]
    [InlineData("operationInProgress")]
    public async Task Busy_answers_gce_gives_while_nodes_init_together_are_retried(string fault)
    {
        await using var gce = await InProcessGce.StartAsync();
        await gce.FaultsAsync(new Dictionary<string, int> { [fault] = 2 });
        using var services = gce.Services();

        var result = await gce.Provider(services).ProvisionAsync(Request(), new RecordingCheckpoint(gce), default);

        Assert.Equal(2, result.Changes.Count);
        Assert.Equal(2, await gce.MutationsAsync());
    }

    [Fact]
    public async Task An_operation_still_running_after_several_held_waits_is_waited_for_not_failed()
    {
        // Scaled down: GCE holds a wait up to 2 min against an ordinary call limit of 30 s; here 400 ms against 100 ms,
        // and the operations take 1.5 s, so each is answered RUNNING by several wait calls before DONE.
        await using var gce = await InProcessGce.StartAsync("--WaitHoldMilliseconds", "400", "--OperationMilliseconds", "1500");
        using var services = gce.Services(s => s.AddSingleton(new ComputeTimings
        {
            AttemptTimeout = TimeSpan.FromMilliseconds(100),
            WaitHold = TimeSpan.FromMilliseconds(400),
            OperationDeadline = TimeSpan.FromSeconds(30),
        }));

        var result = await gce.Provider(services).ProvisionAsync(Request(), new RecordingCheckpoint(gce), default);

        Assert.Equal(2, result.Changes.Count);
        Assert.Equal(2, await gce.MutationsAsync());
        Assert.True((await gce.RequestsAsync()).Count(r => r.EndsWith("/wait", StringComparison.Ordinal)) >= 4);
    }

    [Fact]
    public async Task Adding_our_range_keeps_every_member_of_the_ranges_already_there()
    {
        await using var gce = await InProcessGce.StartAsync();
        (await gce.Control.PutAsJsonAsync("emulator/subnetwork/secondary-ranges", new object[]
        {
            new { rangeName = "gke-pods", ipCidrRange = "10.8.0.0/14", reservedInternalRange = "https://networkconnectivity.googleapis.com/v1/projects/cocoon-emu/locations/global/internalRanges/pods" },
            new { rangeName = "gke-services", ipCidrRange = "10.12.0.0/20" },
        })).EnsureSuccessStatusCode();
        using var services = gce.Services();

        await gce.Provider(services).ProvisionAsync(Request(), new RecordingCheckpoint(gce), default);

        var ranges = (await gce.StateAsync()).GetProperty("subnetwork").GetProperty("secondaryIpRanges").EnumerateArray().ToList();
        Assert.Equal(["gke-pods", "gke-services", "cocoon-pods"], ranges.Select(r => r.GetProperty("rangeName").GetString()));
        Assert.Equal("https://networkconnectivity.googleapis.com/v1/projects/cocoon-emu/locations/global/internalRanges/pods",
            ranges[0].GetProperty("reservedInternalRange").GetString());
        Assert.False(ranges[1].TryGetProperty("reservedInternalRange", out _));
        Assert.False(ranges[2].TryGetProperty("reservedInternalRange", out _));
    }

    [Fact]
    public async Task A_lost_answer_is_retried_with_the_same_request_id_and_applied_once()
    {
        await using var gce = await InProcessGce.StartAsync();
        await gce.FaultsAsync(new { lostResponses = 2 });
        using var services = gce.Services();

        await gce.Provider(services).ProvisionAsync(Request(), new RecordingCheckpoint(gce), default);

        Assert.Equal(2, await gce.MutationsAsync());
        var patches = (await gce.RequestsAsync()).Where(r => r.StartsWith("PATCH", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, patches.Count);
        Assert.Equal(RequestId(patches[0]), RequestId(patches[1]));
        Assert.Equal(RequestId(patches[2]), RequestId(patches[3]));
        Assert.Equal("gke-pods:10.8.1.0/24, cocoon-pods:172.20.1.0/24", await gce.AliasesAsync("gke-node-1"));
    }

    [Fact]
    public async Task An_operation_that_ends_in_error_fails_clearly_and_changes_nothing()
    {
        await using var gce = await InProcessGce.StartAsync();
        await gce.FaultsAsync(new { operationErrors = 1 });
        using var services = gce.Services();
        var checkpoint = new RecordingCheckpoint(gce);

        var error = await Assert.ThrowsAsync<OperationFailedException>(() => gce.Provider(services).ProvisionAsync(Request(), checkpoint, default));

        Assert.Contains("add secondary range cocoon-pods=172.20.1.0/24 to subnetwork gke-nodes", error.Message);
        Assert.Contains("QUOTA_EXCEEDED", error.Message);
        Assert.Equal(0, await gce.MutationsAsync());
        Assert.Equal("gke-pods:10.8.1.0/24", await gce.AliasesAsync("gke-node-1"));
        Assert.NotEmpty(checkpoint.Saves);
    }

    [Fact]
    public async Task Teardown_after_an_init_that_stopped_before_the_alias_makes_no_cloud_call()
    {
        await using var gce = await InProcessGce.StartAsync();
        using var services = gce.Services();
        var resources = CloudResources.None
            .WithValue(CloudResources.AliasRangeNameKey, "cocoon-pods")
            .WithValue("project", "cocoon-emu").WithValue("zone", "us-central1-a").WithValue("instance", "gke-node-1");

        Assert.Empty(await gce.Provider(services).TeardownAsync(Teardown(resources), default));
        Assert.Empty(await gce.RequestsAsync());
    }

    [Fact]
    public async Task Teardown_of_upstream_state_removes_the_subnet_alias()
    {
        await using var gce = await InProcessGce.StartAsync();
        await gce.SeedRangesAsync(("gke-pods", "10.8.0.0/14"), ("cocoon-pods", "172.20.0.0/16"));
        await gce.SeedAliasesAsync("gke-node-1", ("10.8.1.0/24", "gke-pods"), ("172.20.1.0/24", "cocoon-pods"));
        using var services = gce.Services();

        var lines = await gce.Provider(services).TeardownAsync(
            Teardown(CloudResources.None.WithValue(CloudResources.AliasRangeNameKey, "cocoon-pods")), default);

        Assert.Single(lines);
        Assert.Equal("gke-pods:10.8.1.0/24", await gce.AliasesAsync("gke-node-1"));
    }

    [Fact]
    public async Task Endless_503s_give_up_within_the_bound_with_a_clear_error()
    {
        await using var gce = await InProcessGce.StartAsync();
        await gce.FaultsAsync(new { unavailable = 100 });
        using var services = gce.Services();

        var error = await Assert.ThrowsAsync<GkeException>(() => gce.Provider(services).ProvisionAsync(Request(), new RecordingCheckpoint(gce), default));

        Assert.Contains("read instance gke-node-1 (project cocoon-emu, zone us-central1-a): still failing after 6 attempts", error.Message);
        Assert.Contains("HTTP 503", error.Message);
        Assert.Equal(0, await gce.MutationsAsync());
    }

    [Theory]
    [InlineData("172.20.1.0/30")]
    [InlineData("10.0.0.0/7")]
    public async Task A_subnet_gce_cannot_alias_is_rejected_by_validation_before_any_call(string subnet)
    {
        await using var gce = await InProcessGce.StartAsync();
        using var services = gce.Services();
        var request = Request(IPNetwork.Parse(subnet));

        var problem = await gce.Provider(services).ValidateAsync(request with { PrimaryNic = "" }, default);
        Assert.Equal($"--subnet {subnet}: a GCE alias IP range must be IPv4 /8 to /29; use a subnet in that range (e.g. 172.20.100.0/24)", problem);
        Assert.Null(await gce.Provider(services).ValidateAsync(Request(), default));

        // Driven without the host's validation, the provider still refuses before any call.
        var error = await Assert.ThrowsAsync<GkeException>(() => gce.Provider(services).ProvisionAsync(request, new RecordingCheckpoint(gce), default));
        Assert.Equal(problem, error.Message);
        Assert.Empty(await gce.RequestsAsync());
        Assert.Equal(0, (await gce.StateAsync()).GetProperty("tokensIssued").GetInt32());
    }

    [Fact]
    public async Task Status_lists_the_live_aliases_and_the_guest_agent_state()
    {
        await using var gce = await InProcessGce.StartAsync();
        using var services = gce.Services();
        var result = await gce.Provider(services).ProvisionAsync(Request(), new RecordingCheckpoint(gce), default);

        var status = await gce.Provider(services).GetStatusAsync(result.Resources, default);

        Assert.Equal(new StatusField { Label = "Aliases", Value = "gke-pods:10.8.1.0/24, cocoon-pods:172.20.1.0/24" }, status.Fields[0]);
        Assert.Equal("GuestAgent", status.Fields[1].Label);
        Assert.StartsWith("ip_aliases = true (default): the agent claims alias ranges locally", status.Fields[1].Value);
    }

    [Fact]
    public async Task Detection_requires_the_flavor_header_both_ways()
    {
        await using var gce = await InProcessGce.StartAsync();
        using var services = gce.Services();
        Assert.True(await gce.Provider(services).DetectAsync(default));

        using var plain = new HttpClient();
        var refused = await plain.GetAsync(new Uri(gce.Address, "computeMetadata/v1/instance/name"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task Without_an_explicit_metadata_host_only_google_hardware_is_probed()
    {
        await using var gce = await InProcessGce.StartAsync();
        using var services = gce.Services(s => s.Configure<GkeOptions>(o => o.MetadataHostOverridden = false));

        Assert.False(await gce.Provider(services).DetectAsync(default));
        gce.Host.Write("/sys/class/dmi/id/product_name", "Google Compute Engine\n");
        // The emulator's first answer (a cold in-process server) can take longer than the probe's 800 ms on a loaded
        // machine; the probe's timeout is the product's, so the emulator is warmed instead.
        using (var warm = new HttpClient())
        {
            _ = await warm.GetAsync(gce.Address);
        }

        Assert.True(await gce.Provider(services).DetectAsync(default));
    }

    private static string RequestId(string request) =>
        request[(request.IndexOf("requestId=", StringComparison.Ordinal) + "requestId=".Length)..].Split('&')[0];
}
