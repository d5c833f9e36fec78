using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace CocoonNet.Tests.Support;

/// <summary>
/// <c>cocoon-net agent</c> as a child process of the test, in the sandbox's node namespace, with a NOTIFY_SOCKET
/// the test binds (a unixgram socket, as systemd's) so READY=1 and STATUS= can be seen. Dispose kills it, whatever
/// the test did.
/// </summary>
internal sealed class AgentProcess : IDisposable
{
    private readonly Process _process;
    private readonly Socket _notify;
    private readonly string _socketPath;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<string> _notifications = [];

    // command: "agent", or upstream's "daemon" (the same command under its alias).
    public AgentProcess(Sandbox sandbox, string[] arguments, IDictionary<string, string>? environment = null, string command = "agent")
    {
        _socketPath = Path.Combine(Path.GetTempPath(), $"cocoon-net-notify-{Guid.NewGuid():N}.sock");
        _notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _notify.Bind(new UnixDomainSocketEndPoint(_socketPath));
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "netns", "exec", sandbox.Node, TestEnvironment.Binary, command }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["COCOON_NET_ROOT"] = sandbox.Root;
        info.Environment["COCOON_NET_PLUGINS_DIR"] = sandbox.PluginsDirectory;
        info.Environment["COCOON_NET_LOG_LEVEL"] = "debug";
        info.Environment["NOTIFY_SOCKET"] = _socketPath;
        info.Environment.Remove("INVOCATION_ID");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => { lock (_stdout) { _stdout.AppendLine(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { lock (_stderr) { _stderr.AppendLine(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The agent's pid (<c>ip netns exec</c> execs the command: same process).</summary>
    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_stdout)
            {
                lock (_stderr)
                {
                    return $"--- agent stdout\n{_stdout}\n--- agent stderr\n{_stderr}\n--- notifications\n{string.Join('\n', _notifications)}";
                }
            }
        }
    }

    /// <summary>Waits for a notification starting with <paramref name="prefix"/> (e.g. READY=1); false on timeout or exit.</summary>
    public bool WaitForNotification(string prefix, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        var buffer = new byte[4096];
        while (deadline.Elapsed < timeout)
        {
            if (_notify.Poll(200_000, SelectMode.SelectRead))
            {
                var length = _notify.Receive(buffer);
                var message = Encoding.UTF8.GetString(buffer, 0, length);
                _notifications.Add(message);
                if (message.Split('\n').Any(l => l.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    return true;
                }
            }
            else if (_process.HasExited)
            {
                return false;
            }
        }

        return false;
    }

    public bool WaitForReady() => WaitForNotification("READY=1", TimeSpan.FromSeconds(60));

    /// <summary>SIGTERM, then waits up to <paramref name="timeout"/>; true when it exited in time.</summary>
    public bool Terminate(TimeSpan timeout)
    {
        Shell.Run("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        return _process.WaitForExit(timeout);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
        _notify.Dispose();
        File.Delete(_socketPath);
    }
}
