using System.Diagnostics;

namespace CocoonNet.Tests.Support;

/// <summary>Waiting for what another process does (an agent, a DHCP client, the kernel): no fixed sleeps in tests.</summary>
public static class Poll
{
    /// <summary>Polls <paramref name="condition"/> every <paramref name="every"/> (default 20 ms) until it holds or <paramref name="timeout"/> passes.</summary>
    public static bool Until(Func<bool> condition, TimeSpan timeout, TimeSpan? every = null)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(every ?? TimeSpan.FromMilliseconds(20));
        }

        return condition();
    }
}
