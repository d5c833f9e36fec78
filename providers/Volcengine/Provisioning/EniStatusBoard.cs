using CocoonNet.Providers.Volcengine.Api;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Providers.Volcengine.Provisioning;

/// <summary>
/// Watches every ENI someone is waiting for with one DescribeNetworkInterfaces call per poll interval
/// (<c>NetworkInterfaceIds.N</c>), instead of one call per ENI: seven ENIs waiting for Available or InUse cost
/// four requests a second, not thirty, and stay far below the account's flow limit.
/// </summary>
internal sealed partial class EniStatusBoard(VpcApi api, VolcengineSettings settings, TimeProvider time, ILogger<EniStatusBoard> logger)
{
    /// <summary>A wait longer than this says what it waits for, and again at most this often: silence reads as a hang.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    // A just-created ENI may be missing from Describe for a moment (eventual consistency): absence counts only
    // when it repeats, unless absence is what the caller waits for.
    private const int MissingPollsBeforeGone = 3;

    private readonly Lock _lock = new();
    private readonly List<Waiter> _waiters = [];
    private Task? _loop;

    // One "session" runs from the first waiter to the last: its progress line counts the ENIs of that session
    // (an ENI is done when nobody waits for it any more; one waited for twice, settle then attach, counts once).
    private readonly HashSet<string> _sessionEnis = new(StringComparer.Ordinal);
    private long _sessionStarted;
    private TimeSpan _reported;

    /// <summary>
    /// Completes with the ENI once <paramref name="done"/> holds for it, or with null once it does not exist
    /// (at once when <paramref name="wantsGone"/>, else after repeated polls).
    /// </summary>
    public Task<NetworkInterface?> WaitAsync(string eniId, string target, Func<NetworkInterface, bool> done, bool wantsGone, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(eniId, target, done, wantsGone, time.GetUtcNow() + settings.StatusTimeout);
        var registration = cancellationToken.Register(() =>
        {
            Remove(waiter);
            waiter.Completion.TrySetCanceled(cancellationToken);
        });
        _ = waiter.Completion.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        lock (_lock)
        {
            if (_loop is null)
            {
                (_reported, _sessionStarted) = (TimeSpan.Zero, time.GetTimestamp());
                _sessionEnis.Clear();
            }

            _waiters.Add(waiter);
            _sessionEnis.Add(eniId);
            if (_loop is null)
            {
                _loop = Task.Run(() => PollAsync(cancellationToken), CancellationToken.None);
            }
        }

        return waiter.Completion.Task;
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            List<Waiter> current;
            lock (_lock)
            {
                current = [.. _waiters];
                if (current.Count == 0)
                {
                    _loop = null;
                    return;
                }
            }

            try
            {
                await Task.Delay(settings.PollInterval, time, cancellationToken).ConfigureAwait(false);
                var ids = current.Select(w => w.EniId).Distinct().Order(StringComparer.Ordinal).ToList();
                var found = await api.DescribeNetworkInterfacesAsync(new QueryParameters().AddList("NetworkInterfaceIds", ids), cancellationToken)
                    .ConfigureAwait(false);
                var now = time.GetUtcNow();
                foreach (var waiter in current)
                {
                    var eni = found.FirstOrDefault(e => e.NetworkInterfaceId == waiter.EniId);
                    waiter.MissingPolls = eni is null ? waiter.MissingPolls + 1 : 0;
                    if (eni is null ? waiter.WantsGone || waiter.MissingPolls >= MissingPollsBeforeGone : !waiter.WantsGone && waiter.Done(eni))
                    {
                        Complete(waiter, w => w.Completion.TrySetResult(eni));
                    }
                    else if (now >= waiter.Deadline)
                    {
                        Complete(waiter, w => w.Completion.TrySetException(new TimeoutException(
                            $"ENI {w.EniId} is still {eni?.Status ?? "missing"} after {settings.StatusTimeout.TotalSeconds:0} s of waiting for {w.Target}; "
                            + "check it in the Volcengine console, then re-run")));
                    }
                }

                ReportProgress();
            }
            catch (Exception e)
            {
                foreach (var waiter in current)
                {
                    Complete(waiter, w => _ = e is OperationCanceledException ? w.Completion.TrySetCanceled(cancellationToken) : w.Completion.TrySetException(e));
                }
            }
        }
    }

    /// <summary>At most every <see cref="ProgressInterval"/>, once a wait has lasted that long: what, and how many are done.</summary>
    private void ReportProgress()
    {
        int count, done;
        string targets;
        TimeSpan waited;
        lock (_lock)
        {
            waited = time.GetElapsedTime(_sessionStarted);
            if (_waiters.Count == 0 || waited - _reported < ProgressInterval)
            {
                return;
            }

            _reported = waited;
            var pending = _waiters.Select(w => w.EniId).ToHashSet(StringComparer.Ordinal);
            (count, done) = (_sessionEnis.Count, _sessionEnis.Count(id => !pending.Contains(id)));
            targets = string.Join(" or ", _waiters.Select(w => w.Target).Distinct().Order(StringComparer.Ordinal));
        }

        LogProgress(logger, count, targets, done, waited.TotalSeconds);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "waiting for {Count} ENI(s) to reach {Target}: {Done}/{Count} done ({Seconds:0} s)")]
    private static partial void LogProgress(ILogger logger, int count, string target, int done, double seconds);

    private void Complete(Waiter waiter, Action<Waiter> outcome)
    {
        Remove(waiter);
        outcome(waiter);
    }

    private void Remove(Waiter waiter)
    {
        lock (_lock)
        {
            _waiters.Remove(waiter);
        }
    }

    private sealed class Waiter(string eniId, string target, Func<NetworkInterface, bool> done, bool wantsGone, DateTimeOffset deadline)
    {
        public string EniId => eniId;
        public string Target => target;
        public Func<NetworkInterface, bool> Done => done;
        public bool WantsGone => wantsGone;
        public DateTimeOffset Deadline => deadline;
        public int MissingPolls { get; set; }
        public TaskCompletionSource<NetworkInterface?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
