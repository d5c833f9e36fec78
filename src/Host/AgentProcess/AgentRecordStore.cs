using System.Text.Json;
using CocoonNet.Node.Linux;

namespace CocoonNet.Host.AgentProcess;

/// <summary>
/// Reads and writes the agent record. Written atomically (AtomicFile), so a reader never sees half of it; a
/// record whose pid is gone, or is no longer a cocoon-net process (a reused pid), counts as no agent.
/// </summary>
internal sealed class AgentRecordStore(HostPaths paths)
{
    public const string FileName = "agent.json";

    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public string Path => System.IO.Path.Combine(paths.RunDirectory, FileName);

    /// <summary>
    /// Writes the record. The run directory belongs to the dhcp step (which records it as cocoon-net's before it
    /// creates it); the agent only writes into it once it exists, so it never makes a directory teardown would not know.
    /// </summary>
    public void Write(AgentRecord record)
    {
        if (Directory.Exists(paths.RunDirectory))
        {
            AtomicFile.Write(Path, JsonSerializer.Serialize(record, AgentRecordJsonContext.Default.AgentRecord), FileMode);
        }
    }

    /// <summary>The record of a live agent, or null (none, stale, or unreadable: status must never fail on it).</summary>
    public AgentRecord? ReadLive()
    {
        try
        {
            if (AtomicFile.ReadText(Path) is not { } text)
            {
                return null;
            }

            var record = JsonSerializer.Deserialize(text, AgentRecordJsonContext.Default.AgentRecord);
            return record is not null && IsCocoonNet(record.Pid) ? record : null;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Removes the record (the agent on its way out; teardown for a dead agent's).</summary>
    public void Delete()
    {
        try
        {
            File.Delete(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a stale record is ignored by every reader.
        }
    }

    /// <summary>True when <paramref name="pid"/> is alive and runs cocoon-net (its executable or its command line).</summary>
    public static bool IsCocoonNet(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            if (stat.Contains(") Z ", StringComparison.Ordinal))
            {
                return false;
            }

            // comm is cut to 15 characters; the command line's first words name the program (or dotnet + the dll).
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            return commandLine.Take(2).Any(a => System.IO.Path.GetFileName(a) is "cocoon-net" or "cocoon-net.dll");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
