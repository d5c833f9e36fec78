using System.Globalization;

namespace CocoonNet.Host.Agent;

/// <summary>
/// The one way every duration flag is written: a whole number and a unit, <c>500ms</c>, <c>2s</c>, <c>10m</c>,
/// <c>1h</c>. A bare <c>0</c> means "off" where the flag allows it.
/// </summary>
internal static class Durations
{
    public const string Examples = "500ms, 2s, 10m or 1h";

    /// <summary>The duration, or null with <paramref name="problem"/> saying what is wrong (no flag name: the caller adds it).</summary>
    public static TimeSpan? Parse(string text, bool allowZero, out string? problem)
    {
        problem = null;
        var value = text.Trim();
        if (allowZero && value == "0")
        {
            return TimeSpan.Zero;
        }

        var digits = 0;
        while (digits < value.Length && char.IsAsciiDigit(value[digits]))
        {
            digits++;
        }

        var unit = value[digits..];
        double? scale = unit switch
        {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            _ => null,
        };
        if (digits == 0 || scale is null || !long.TryParse(value[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            problem = $"expected a duration such as {Examples}{(allowZero ? " (0 turns it off)" : "")}";
            return null;
        }

        var milliseconds = number * scale.Value;
        if (milliseconds <= 0)
        {
            problem = $"must be longer than zero, e.g. {Examples}";
            return null;
        }

        // A day is far past any useful interval; the bound also keeps timers within their range.
        if (milliseconds > TimeSpan.FromDays(1).TotalMilliseconds)
        {
            problem = "must be at most 24h";
            return null;
        }

        return TimeSpan.FromMilliseconds(milliseconds);
    }

    /// <summary>Back in the flags' own form: whole hours, minutes, seconds or milliseconds.</summary>
    public static string Format(TimeSpan value) =>
        value == TimeSpan.Zero ? "0"
        : value.TotalMilliseconds % 3_600_000 == 0 ? $"{value.TotalHours:0}h"
        : value.TotalMilliseconds % 60_000 == 0 ? $"{value.TotalMinutes:0}m"
        : value.TotalMilliseconds % 1_000 == 0 ? $"{value.TotalSeconds:0}s"
        : $"{value.TotalMilliseconds:0}ms";

    /// <summary>The next delay of a backoff: twice <paramref name="delay"/>, at most <paramref name="max"/>.</summary>
    public static TimeSpan Doubled(TimeSpan delay, TimeSpan max) => delay * 2 < max ? delay * 2 : max;

    /// <summary>
    /// <paramref name="interval"/> moved by up to ±10%, so the agents of many nodes started together (a fleet
    /// reboot) do not re-plan or poll the cloud in lock-step.
    /// </summary>
    public static TimeSpan Jittered(TimeSpan interval, Random random) =>
        interval * (0.9 + (random.NextDouble() * 0.2));
}
