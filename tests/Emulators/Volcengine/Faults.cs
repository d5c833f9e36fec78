namespace CocoonNet.Emulators.Volcengine;

/// <summary>Injected trouble: latency, throttling, 5xx, and a hold that stops answering after a given mutation.</summary>
internal sealed class Faults(EmulatorOptions options)
{
    private readonly Random _random = new(options.Seed);
    private readonly Lock _lock = new();

    public int LatencyMs { get; set; } = options.ApiLatencyMs;
    public double ThrottleRate { get; set; } = options.ThrottleRate;
    public double ErrorRate { get; set; } = options.ErrorRate;

    /// <summary><c>Action:N</c>: the Nth successful call of Action is applied, then never answered.</summary>
    public string? HoldAfter { get; set; }

    /// <summary><c>Action:N</c>: the Nth successful call of Action is applied, then answered with a 500 once.</summary>
    public string? FailAfter { get; set; } = options.FailAfter;

    /// <summary>Set once a hold has caught a request.</summary>
    public string? Held { get; set; }

    public double Next()
    {
        lock (_lock)
        {
            return _random.NextDouble();
        }
    }

    public int Pick(params int[] values)
    {
        lock (_lock)
        {
            return values[_random.Next(values.Length)];
        }
    }
}

/// <summary>The body of <c>POST /_emulator/faults</c>; absent fields keep their value.</summary>
internal sealed record FaultSettings(int? LatencyMs, double? ThrottleRate, double? ErrorRate, string? HoldAfter);
