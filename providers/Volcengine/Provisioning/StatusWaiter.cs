using CocoonNet.Providers.Volcengine.Api;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Providers.Volcengine.Provisioning;

/// <summary>
/// Polls an ENI or subnet until it reaches the status an operation waits for. No fixed sleeps: the wait
/// ends on the first poll that sees the target, and fails on a status that can no longer get there.
/// </summary>
internal sealed partial class StatusWaiter(VpcApi api, EniStatusBoard board, VolcengineSettings settings, TimeProvider time, ILogger<StatusWaiter> logger)
{
    /// <summary>Statuses an ENI passes through on its own; anything else is stable.</summary>
    public static bool IsTransient(string status) => status is "Creating" or "Attaching" or "Detaching" or "Deleting";

    /// <summary>Waits until the ENI is in a stable status (or gone: null) and returns it.</summary>
    public Task<NetworkInterface?> EniSettledAsync(string eniId, CancellationToken cancellationToken) =>
        board.WaitAsync(eniId, "a stable status", e => !IsTransient(e.Status), wantsGone: false, cancellationToken);

    public async Task<NetworkInterface> EniStatusAsync(string eniId, string status, CancellationToken cancellationToken)
    {
        var eni = await board.WaitAsync(eniId, status, e => !IsTransient(e.Status), wantsGone: false, cancellationToken).ConfigureAwait(false);
        return eni is null
            ? throw new InvalidOperationException($"ENI {eniId} disappeared while waiting for status {status}; re-run init")
            : eni.Status == status
                ? eni
                : throw new InvalidOperationException($"ENI {eniId} is {eni.Status}, expected {status}; check it in the Volcengine console and re-run init");
    }

    public async Task EniGoneAsync(string eniId, CancellationToken cancellationToken) =>
        await board.WaitAsync(eniId, "deletion", _ => false, wantsGone: true, cancellationToken).ConfigureAwait(false);

    public async Task<Subnet> SubnetAvailableAsync(string subnetId, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + settings.StatusTimeout;
        var progress = new Progress(time);
        while (true)
        {
            var subnet = await api.DescribeSubnetAsync(subnetId, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"subnet {subnetId} disappeared while waiting for it to become Available; re-run init");
            if (subnet.Status == "Available")
            {
                return subnet;
            }

            if (progress.Due() is { } waited)
            {
                LogSubnetProgress(logger, subnetId, "become Available", subnet.Status, waited.TotalSeconds);
            }

            await PauseAsync(deadline, $"subnet {subnetId} is still {subnet.Status}", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits for the VPC to be Available again after a subnet change, as terraform-provider-volcengine does after
    /// CreateSubnet (volcengine/vpc/subnet/service_volcengine_subnet.go: ExtraRefresh on the VPC service, target
    /// Available; volcengine/vpc/vpc/service_volcengine_vpc.go polls DescribeVpcs with VpcIds.1 and reads Status,
    /// waiting through any other value and failing on Error). ENI calls made meanwhile answer InvalidVpc.InvalidStatus.
    /// </summary>
    public async Task VpcAvailableAsync(string vpcId, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + settings.StatusTimeout;
        var progress = new Progress(time);
        while (true)
        {
            Vpc? found;
            try
            {
                found = await api.DescribeVpcAsync(vpcId, cancellationToken).ConfigureAwait(false);
            }
            catch (VolcengineApiException e) when (e.Code is "AccessDenied" or "LackPolicy" or "Forbidden")
            {
                // Credentials made for an earlier release may lack vpc:DescribeVpcs. Not worth failing a run
                // that has just created its subnet: the ENI calls retry InvalidVpc.InvalidStatus anyway.
                LogVpcUnreadable(logger, vpcId, e.Code);
                return;
            }

            var vpc = found
                ?? throw new InvalidOperationException($"VPC {vpcId} is not listed by DescribeVpcs; check the instance's VPC in the Volcengine console");
            if (vpc.Status == "Available")
            {
                return;
            }

            if (vpc.Status == "Error")
            {
                throw new InvalidOperationException($"VPC {vpcId} is in status Error; check it in the Volcengine console, then re-run init");
            }

            if (progress.Due() is { } waited)
            {
                LogVpcProgress(logger, vpcId, vpc.Status, waited.TotalSeconds);
            }

            await PauseAsync(deadline, $"VPC {vpcId} is still {vpc.Status}", cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task SubnetGoneAsync(string subnetId, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + settings.StatusTimeout;
        var progress = new Progress(time);
        while (await api.DescribeSubnetAsync(subnetId, cancellationToken).ConfigureAwait(false) is { } subnet)
        {
            if (progress.Due() is { } waited)
            {
                LogSubnetProgress(logger, subnetId, "be deleted", subnet.Status, waited.TotalSeconds);
            }

            await PauseAsync(deadline, $"subnet {subnetId} is still {subnet.Status}", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deletes a subnet whose ENIs were just deleted. For a while after that the cloud still counts them and
    /// refuses; terraform-provider-volcengine (volcengine/vpc/subnet/service_volcengine_subnet.go, RemoveResource)
    /// retries DeleteSubnet for up to 15 minutes. Here the retry is bounded by the status timeout, with progress
    /// lines; not-found means someone else finished the job.
    /// </summary>
    public async Task DeleteSubnetAsync(string subnetId, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + settings.StatusTimeout;
        var progress = new Progress(time);
        while (true)
        {
            try
            {
                await api.DeleteSubnetAsync(subnetId, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (VolcengineApiException e) when (e.IsNotFound)
            {
                return;
            }
            catch (VolcengineApiException e) when (IsStillInUse(e.Code) && time.GetUtcNow() < deadline)
            {
                if (progress.Due() is { } waited)
                {
                    LogSubnetProgress(logger, subnetId, "let go of its deleted ENIs", e.Code, waited.TotalSeconds);
                }
            }

            await PauseAsync(deadline, $"subnet {subnetId} still cannot be deleted", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What DeleteSubnet answers while the cloud still counts ENIs (or the subnet is mid-change).</summary>
    private static bool IsStillInUse(string code) => code is "InvalidSubnet.InUse" or "InvalidSubnet.InvalidStatus" or "DependencyViolation";

    private async Task PauseAsync(DateTimeOffset deadline, string situation, CancellationToken cancellationToken)
    {
        if (time.GetUtcNow() >= deadline)
        {
            throw new TimeoutException($"{situation} after {settings.StatusTimeout.TotalSeconds:0} s; check it in the Volcengine console, then re-run");
        }

        await Task.Delay(settings.PollInterval, time, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "waiting for subnet {SubnetId} to {Goal}: still {Status}, 0/1 done ({Seconds:0} s)")]
    private static partial void LogSubnetProgress(ILogger logger, string subnetId, string goal, string status, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "waiting for VPC {VpcId} to become Available after the subnet change: still {Status} ({Seconds:0} s)")]
    private static partial void LogVpcProgress(ILogger logger, string vpcId, string status, double seconds);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "cannot read the status of VPC {VpcId} ({Code}): grant vpc:DescribeVpcs; ENI calls are retried while the VPC is busy instead")]
    private static partial void LogVpcUnreadable(ILogger logger, string vpcId, string code);

    /// <summary>Due once a wait has lasted <see cref="EniStatusBoard.ProgressInterval"/>, then at most that often.</summary>
    private sealed class Progress(TimeProvider time)
    {
        private readonly long _started = time.GetTimestamp();
        private TimeSpan _reported;

        public TimeSpan? Due()
        {
            var waited = time.GetElapsedTime(_started);
            if (waited - _reported < EniStatusBoard.ProgressInterval)
            {
                return null;
            }

            _reported = waited;
            return waited;
        }
    }
}
