namespace CocoonNet.Emulators.Gce;

/// <summary>Test hooks: state dump, request log, fault switches, direct seeding of ranges and aliases.</summary>
internal static class ControlEndpoints
{
    public static void Map(WebApplication app)
    {
        var control = app.MapGroup("/emulator");
        control.MapGet("/state", (GceState s) => Results.Json(s.Dump(), Json.Options));
        control.MapGet("/requests", (GceState s) => Results.Json(s.Requests(), Json.Options));
        control.MapPost("/faults", (GceState s, FaultSettings faults) =>
        {
            s.SetFaults(faults);
            return Results.NoContent();
        });
        // Also what the agent's cloud-drift tests use to take a node's alias range away behind its back (the agent
        // reports drift in status and metrics and repairs the cloud only with --repair-cloud). Seeding is not
        // counted as a mutation: the count is what cocoon-net changed.
        control.MapPut("/instances/{name}/aliases", (GceState s, string name, List<AliasIpRange> aliases) =>
            s.SeedAliases(name, aliases) ? Results.NoContent() : Results.NotFound());
        control.MapPut("/subnetwork/secondary-ranges", (GceState s, List<SecondaryRange> ranges) =>
        {
            s.SeedRanges(ranges);
            return Results.NoContent();
        });
    }
}
