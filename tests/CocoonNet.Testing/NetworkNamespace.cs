using System.Runtime.InteropServices;

namespace CocoonNet.Tests.Support;

/// <summary>
/// Runs code on a thread of its own moved into a named network namespace: sockets it opens stay bound to that
/// namespace after the thread ends, so code under test can watch or program a sandbox node in-process.
/// </summary>
internal static class NetworkNamespace
{
    private const int CloneNewNet = 0x40000000;

    public static T Run<T>(string name, Func<T> action)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{name}");
                if (SetNs(handle.DangerousGetHandle().ToInt32(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns {name}: {Marshal.GetLastPInvokeErrorMessage()}");
                }

                result = action();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            throw new InvalidOperationException($"in namespace {name}: {error.Message}", error);
        }

        return result;
    }

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int nstype);
}
