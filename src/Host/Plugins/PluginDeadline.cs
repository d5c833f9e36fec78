using System.Globalization;
using System.Runtime.ExceptionServices;

namespace CocoonNet.Host.Plugins;

/// <summary>
/// Runs a plugin's code (its entry point's constructor and properties, its <c>ConfigureServices</c>) under a
/// deadline, so a plugin that never returns costs every command the deadline instead of hanging it;
/// <c>status</c> and <c>teardown</c> must keep working on a node whatever its plugins do. A thread stuck in
/// a plugin cannot be aborted in .NET: the code runs on a background thread of its own, which is abandoned
/// at the deadline and never holds the process open (nor a thread-pool thread).
/// </summary>
internal static class PluginDeadline
{
    /// <summary>TEST-ONLY: the deadline in milliseconds, so a test of a hanging plugin needs no 10 s waits.</summary>
    public const string Variable = "COCOON_NET_TEST_PLUGIN_DEADLINE_MS";

    public static TimeSpan Value { get; } =
        int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0
            ? TimeSpan.FromMilliseconds(ms)
            : TimeSpan.FromSeconds(10);

    /// <summary>"10 s" (or "0.5 s"), for messages.</summary>
    public static string Shown => $"{Value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s";

    /// <summary>
    /// <paramref name="work"/>'s result; false when it did not return within the deadline. An exception it
    /// throws is rethrown here, with its original stack.
    /// </summary>
    public static bool TryRun<T>(string name, Func<T> work, out T result)
    {
        T value = default!;
        ExceptionDispatchInfo? failure = null;
        var done = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            try
            {
                value = work();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }

            done.Set();
        })
        {
            IsBackground = true,
            Name = $"plugin {name}",
        };
        thread.Start();
        if (!done.Wait(Value))
        {
            // The event stays undisposed: the abandoned thread may still set it.
            result = default!;
            return false;
        }

        done.Dispose();
        failure?.Throw();
        result = value;
        return true;
    }
}
