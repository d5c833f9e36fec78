using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace CocoonNet.Node.Pipeline;

/// <summary>
/// TEST-ONLY crash injection at mutation boundaries (host change actions, pool.json saves, provider
/// checkpoints), so a test can prove that a kill at any of them leaves a footprint a re-run and teardown
/// can act on. <c>COCOON_NET_TEST_CRASH_AT=&lt;name&gt;</c> makes the process SIGKILL itself on reaching that
/// boundary; <c>COCOON_NET_TEST_CRASH_LOG=&lt;file&gt;</c> appends the name of every boundary reached, one per
/// line. With neither variable set every call is a field read and a return: nothing to configure in production.
/// </summary>
internal static partial class CrashPoints
{
    public const string CrashAtVariable = "COCOON_NET_TEST_CRASH_AT";
    public const string LogVariable = "COCOON_NET_TEST_CRASH_LOG";

    private const int SigKill = 9;

    private static readonly string? CrashAt = Environment.GetEnvironmentVariable(CrashAtVariable) is { Length: > 0 } at ? at : null;
    private static readonly string? Log = Environment.GetEnvironmentVariable(LogVariable) is { Length: > 0 } log ? log : null;
    private static readonly bool Enabled = CrashAt is not null || Log is not null;
    private static readonly ConcurrentDictionary<string, int> Counters = new(StringComparer.Ordinal);

    /// <summary>The boundary <paramref name="name"/> is reached.</summary>
    public static void Reach(string name)
    {
        if (!Enabled)
        {
            return;
        }

        if (Log is not null)
        {
            File.AppendAllText(Log, name + "\n");
        }

        if (name == CrashAt)
        {
            _ = Kill(Environment.ProcessId, SigKill);
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> between <c>&lt;kind&gt;/&lt;n&gt;/before</c> and <c>.../after</c>, n counting the
    /// calls of that kind in this process (stable across runs of the same scenario).
    /// </summary>
    public static T Around<T>(string kind, Func<T> action)
    {
        if (!Enabled)
        {
            return action();
        }

        var n = Counters.AddOrUpdate(kind, 1, (_, c) => c + 1);
        Reach($"{kind}/{n}/before");
        var result = action();
        Reach($"{kind}/{n}/after");
        return result;
    }

    public static void Around(string kind, Action action) => Around(kind, () =>
    {
        action();
        return 0;
    });

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
