using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent;

/// <summary>The agent's log lines, source-generated.</summary>
internal static partial class AgentLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "agent started ({Mode}): resync every {Resync}, cloud check {CloudCheck}, listen {Listen}")]
    public static partial void Started(this ILogger logger, string mode, string resync, string cloudCheck, string listen);

    [LoggerMessage(Level = LogLevel.Information, Message = "agent ready: the node matches pool.json")]
    public static partial void Ready(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} reconcile failed: {Reason}; retrying in {Delay}")]
    public static partial void StartFailed(this ILogger logger, string kind, string reason, string delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} reconcile ({Steps}) failed: {Reason}")]
    public static partial void ReconcileFailed(this ILogger logger, string kind, string steps, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Kind} reconcile ({Steps}) in {Milliseconds:F1} ms")]
    public static partial void Reconciled(this ILogger logger, string kind, string steps, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "repairing {Objects}")]
    public static partial void Repairing(this ILogger logger, IEnumerable<string> objects);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dnsmasq-cni (pid {Pid}) exited; restarting it")]
    public static partial void DhcpExited(this ILogger logger, int pid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dnsmasq-cni keeps exiting; next restart in {Delay} (log: {LogFile})")]
    public static partial void DhcpBackoff(this ILogger logger, string delay, string logFile);

    [LoggerMessage(Level = LogLevel.Warning, Message = "no node to serve: {Path} is gone (torn down?); waiting for one")]
    public static partial void NoNode(this ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cloud drift: {Detail} (reported only; the agent repairs the cloud with --repair-cloud)")]
    public static partial void CloudDrift(this ILogger logger, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "cloud drift repaired by provisioning again: {Detail}")]
    public static partial void CloudRepaired(this ILogger logger, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cloud drift: {Detail}; repairing it failed: {Reason} (the next check tries again)")]
    public static partial void CloudRepairFailed(this ILogger logger, string detail, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cloud unreachable: {Reason} (not counted as drift; the next check tries again)")]
    public static partial void CloudUnreachable(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "cloud matches pool.json again")]
    public static partial void CloudBack(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "cloud check every {Interval}, not {Requested}: the {Platform} plugin asks for at least that (its API rate limits)")]
    public static partial void CloudCheckRaised(this ILogger logger, string requested, string interval, string platform);

    [LoggerMessage(Level = LogLevel.Debug, Message = "memory released while idle: RSS {BeforeMiB:F1} -> {AfterMiB:F1} MiB ({UnmappedMiB:F1} MiB of clean code pages unmapped from {Mappings} mappings; they stay in the page cache)")]
    public static partial void MemoryReleased(this ILogger logger, double beforeMiB, double afterMiB, double unmappedMiB, int mappings);

    [LoggerMessage(Level = LogLevel.Warning, Message = "giving idle memory back failed: {Reason} (the agent keeps running; it no longer tries)")]
    public static partial void MemoryReleaseFailed(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "SIGHUP: a full resync now (the agent keeps running)")]
    public static partial void Hangup(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "agent stopping: network, dnsmasq and state are left as they are")]
    public static partial void Stopping(this ILogger logger);
}
