namespace CocoonNet.Emulators.Kubernetes;

/// <summary>Test hooks under /_control: faults, the request log and counters, state dump, compaction and reset.</summary>
internal static class ControlEndpoints
{
    public static void Map(WebApplication app)
    {
        var control = app.MapGroup("/_control");
        control.MapGet("/state", (Store s) => Results.Text(s.Dump().ToJsonString(), "application/json"));
        control.MapGet("/requests", (Faults f) => Results.Json(f.Log()));
        control.MapGet("/counters", (Faults f) => Results.Json(f.Counters()));
        control.MapPost("/faults/fail", (Faults f, FailureRule rule) =>
        {
            f.Add(rule);
            return Results.NoContent();
        });
        control.MapPost("/faults/watch-drop", (Faults f, WatchDropRule rule) =>
        {
            f.Add(rule);
            return Results.NoContent();
        });
        control.MapPost("/faults/unreachable", (Faults f, Switch s) =>
        {
            f.Unreachable = s.On;
            return Results.NoContent();
        });
        control.MapPost("/faults/latency", (Faults f, Latency l) =>
        {
            f.LatencyMilliseconds = l.Milliseconds;
            return Results.NoContent();
        });
        control.MapDelete("/faults", (Faults f) =>
        {
            f.Clear();
            return Results.NoContent();
        });
        control.MapPost("/compact", (Store s) =>
        {
            s.Compact();
            return Results.NoContent();
        });
        control.MapPost("/reset", (Store s, Faults f) =>
        {
            s.Reset();
            f.Clear();
            f.ClearLog();
            return Results.NoContent();
        });
    }

    internal sealed record Switch(bool On);

    internal sealed record Latency(int Milliseconds);
}
