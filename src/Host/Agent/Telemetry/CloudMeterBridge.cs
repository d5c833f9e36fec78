using System.Diagnostics.Metrics;

namespace CocoonNet.Host.Agent.Telemetry;

/// <summary>
/// Carries what plugins record on the <c>CocoonNet.Cloud</c> meter (docs/plugin-contract.md, "Reporting cloud
/// calls") into the agent's Prometheus series. A meter needs no contract change: it is in the runtime, each
/// plugin creates its own instance with the same name, and a plugin that records nothing costs nothing.
/// </summary>
internal sealed class CloudMeterBridge : IDisposable
{
    public const string MeterName = "CocoonNet.Cloud";
    public const string RequestsInstrument = "cocoon_net.cloud.requests";
    public const string DurationInstrument = "cocoon_net.cloud.request.duration";

    private readonly MeterListener _listener = new();
    private readonly AgentMetrics _metrics;

    public CloudMeterBridge(AgentMetrics metrics)
    {
        _metrics = metrics;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName && instrument.Name is RequestsInstrument or DurationInstrument)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        // Counters may be long or int, durations double or float: whichever type a plugin chose.
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<float>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string platform = "unknown", action = "unknown", result = "unknown";
        foreach (var (key, tag) in tags)
        {
            var text = tag?.ToString() is { Length: > 0 } s ? s : "unknown";
            switch (key)
            {
                case "platform": platform = text; break;
                case "action": action = text; break;
                case "result": result = text; break;
                default: break;
            }
        }

        if (instrument.Name == RequestsInstrument)
        {
            // A counter's measurement is its increment (1 per request); a negative one is not a counter's.
            if (value > 0)
            {
                _metrics.CloudRequests(platform, action, result, value);
            }
        }
        else
        {
            _metrics.CloudRequestDuration(platform, action, value);
        }
    }
}
