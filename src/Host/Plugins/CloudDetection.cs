using System.Diagnostics;
using CocoonNet.Abstractions;
using CocoonNet.Host.Logging;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Plugins;

/// <summary>
/// Cloud detection in two stages under one deadline. Stage 1 asks every provider's
/// <see cref="ICloudProvider.DetectAsync"/> (local signal first, then its metadata service). Only when none answers
/// yes and no provider sees its local signal does stage 2 probe the metadata service of every provider that offers
/// <see cref="IDetectionFallback"/>, concurrently, as upstream probes every cloud's metadata service: machines
/// without DMI data (or images whose DMI does not name the cloud) are detected too, while a machine that shows one
/// cloud's signal never sends a packet to another cloud's metadata address.
/// </summary>
internal sealed class CloudDetection(TimeSpan deadline, ILogger logger)
{
    /// <summary>The platforms that answered yes and one clause per provider saying what was seen and answered.</summary>
    public async Task<(IReadOnlyList<string> Detected, string Report)> RunAsync(
        IReadOnlyList<(string Platform, ICloudProvider Provider)> providers, CancellationToken cancellationToken)
    {
        if (providers.Count == 0)
        {
            logger.Detection("no cloud plugin is loaded");
            return ([], "no cloud plugin is loaded");
        }

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(deadline);
        var candidates = providers.Select(p => new Candidate(p.Platform, p.Provider, SeesLocalSignal(p.Platform, p.Provider))).ToList();

        var firstAnswers = await Task.WhenAll(candidates.Select(c => AskAsync(() => c.Provider.DetectAsync(budget.Token), cancellationToken))).ConfigureAwait(false);
        for (var i = 0; i < candidates.Count; i++)
        {
            candidates[i].Detect = firstAnswers[i];
            logger.DetectionStage1(candidates[i].Platform, candidates[i].SignalText, firstAnswers[i].Text, firstAnswers[i].Milliseconds);
        }

        var withSignal = candidates.Where(c => c.Signal == true || c.SignalError is not null).Select(c => c.Platform).ToList();
        if (!candidates.Any(c => c.Detect!.Yes) && withSignal.Count == 0)
        {
            var probed = candidates.Where(c => c.Fallback is not null).ToList();
            var probeAnswers = await Task.WhenAll(probed.Select(c => AskAsync(() => c.Fallback!.ProbeAsync(budget.Token), cancellationToken))).ConfigureAwait(false);
            for (var i = 0; i < probed.Count; i++)
            {
                probed[i].Probe = probeAnswers[i];
                logger.DetectionProbe(probed[i].Platform, probeAnswers[i].Text, probeAnswers[i].Milliseconds);
            }
        }

        var answered = candidates.Where(c => c.Detect!.Yes).Select(c => c.Platform).ToList();
        var notProbed = answered.Count > 0 ? $"{string.Join(", ", answered)} answered yes" : $"{string.Join(", ", withSignal)} local signal seen";
        var report = string.Join("; ", candidates.Select(c => $"{c.Platform}: {c.Describe(notProbed)}"));
        logger.Detection(report);
        return (candidates.Where(c => c.Detect!.Yes || c.Probe?.Yes == true).Select(c => c.Platform).ToList(), report);
    }

    /// <summary>The provider's local signal: null when it predates contract 2.3 (no fallback to ask).</summary>
    private (bool? Seen, string? Error) SeesLocalSignal(string platform, ICloudProvider provider)
    {
        if (provider is not IDetectionFallback fallback)
        {
            return (null, null);
        }

        try
        {
            return (fallback.SeesLocalSignal(), null);
        }
        catch (Exception e)
        {
            // A plugin defect: counted as a signal, so a broken check can only prevent probes, never cause them.
            logger.DetectionSignalFailed(platform, e.Message);
            return (null, e.Message);
        }
    }

    private async Task<Answer> AskAsync(Func<Task<bool>> ask, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        string text;
        try
        {
            text = await ask().ConfigureAwait(false) ? Answer.YesText : "no";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            text = $"no answer within {deadline.TotalSeconds:0.#} s";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            text = $"error: {e.Message}";
        }

        return new Answer(text, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private sealed record Answer(string Text, double Milliseconds)
    {
        public const string YesText = "yes";

        public bool Yes => Text == YesText;
    }

    private sealed class Candidate(string platform, ICloudProvider provider, (bool? Seen, string? Error) signal)
    {
        public string Platform { get; } = platform;

        public ICloudProvider Provider { get; } = provider;

        public IDetectionFallback? Fallback { get; } = provider as IDetectionFallback;

        public bool? Signal { get; } = signal.Seen;

        public string? SignalError { get; } = signal.Error;

        public Answer? Detect { get; set; }

        public Answer? Probe { get; set; }

        public string SignalText => Fallback is null ? "not reported (plugin built before contract 2.3)"
            : SignalError is not null ? $"check failed ({SignalError})"
            : Signal == true ? "seen" : "none";

        /// <summary>This provider's clause of the report.</summary>
        public string Describe(string notProbed)
        {
            if (Fallback is null || Detect!.Yes)
            {
                return Detect!.Text;
            }

            if (SignalError is not null)
            {
                return $"local signal check failed ({SignalError})";
            }

            if (Signal == true)
            {
                return Detect.Text == "no" ? "local signal seen, metadata did not confirm" : $"local signal seen, metadata did not confirm ({Detect.Text})";
            }

            return Probe is not null ? $"no local signal, metadata probe: {Probe.Text}" : $"no local signal, metadata not probed ({notProbed})";
        }
    }
}
