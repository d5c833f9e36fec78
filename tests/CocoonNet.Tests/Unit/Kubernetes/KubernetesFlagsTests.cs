using System.Diagnostics;
using CocoonNet.Host.Cli;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Unit.Kubernetes;

/// <summary>The in-cluster flags: bad input is one Error line and exit 2; the Kubernetes client loads only in that mode.</summary>
public sealed class KubernetesFlagsTests
{
    private static (int Exit, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = new CliApplication(stdout, stderr).RunAsync([.. args, "--plugins-dir", "/nonexistent"], CancellationToken.None).GetAwaiter().GetResult();
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("Error: --node-subnet-prefix 16 is not longer than --cluster-vm-cidr 172.20.0.0/16: each node gets a part of the range (e.g. --node-subnet-prefix 24)\n",
        "--node-name", "n", "--cluster-vm-cidr", "172.20.0.0/16", "--node-subnet-prefix", "16")]
    [InlineData("Error: --cluster-vm-cidr 172.20.0.1/16 has host bits set; did you mean 172.20.0.0/16?\n",
        "--node-name", "n", "--cluster-vm-cidr", "172.20.0.1/16")]
    [InlineData("Error: --node-subnet-prefix 31: use 1-30 (e.g. 24 for 253 VM addresses per node)\n", "--node-name", "n", "--node-subnet-prefix", "31")]
    [InlineData("Error: --lease-namespace is empty: give a namespace such as cocoon-net\n", "--node-name", "n", "--lease-namespace", " ")]
    public void Bad_in_cluster_flags_exit_2(string error, params string[] flags)
    {
        var (exit, stdout, stderr) = Run(["agent", "--kubernetes", .. flags]);
        Assert.Equal((2, "", error), (exit, stdout, stderr));
    }

    [Fact]
    public void In_cluster_flags_need_the_mode()
    {
        var (exit, _, stderr) = Run("agent", "--kubernetes=false", "--kubeconfig", "/x");
        Assert.Equal((2, "Error: --kubeconfig needs --kubernetes (the agent's in-cluster mode)\n"), (exit, stderr));
    }

    [Fact]
    public void Teardowns_in_cluster_flags_are_checked_before_anything_changes()
    {
        var state = Path.Combine(Path.GetTempPath(), $"cocoon-k8s-{Guid.NewGuid():N}");
        Assert.Equal((2, "Error: --lease-namespace needs --kubernetes (release this node's subnet lease)\n"),
            Drop(Run("teardown", "--lease-namespace", "x", "--state-dir", state)));
        Assert.Equal((2, "Error: kubeconfig /nonexistent/kubeconfig does not exist: give --kubeconfig PATH, or run in a pod (in-cluster config)\n"),
            Drop(Run("teardown", "--kubernetes", "--node-name", "n", "--kubeconfig", "/nonexistent/kubeconfig", "--state-dir", state)));
        Assert.False(Directory.Exists(state));
    }

    private static (int, string) Drop((int Exit, string Stdout, string Stderr) run) => (run.Exit, run.Stderr);

    [Fact]
    public void A_missing_node_name_says_where_it_comes_from()
    {
        if (Environment.GetEnvironmentVariable("NODE_NAME") is { Length: > 0 })
        {
            return; // the name comes from the environment here
        }

        var (exit, _, stderr) = Run("agent", "--kubernetes");
        Assert.Equal((2, "Error: the node's name is unknown: give --node-name, or set NODE_NAME (in a pod: env from fieldRef spec.nodeName)\n"), (exit, stderr));
    }

    [Fact]
    public void A_missing_kubeconfig_is_exit_2()
    {
        var (exit, _, stderr) = Run("agent", "--kubernetes", "--node-name", "n", "--kubeconfig", "/nonexistent/kubeconfig",
            "--state-dir", Path.Combine(Path.GetTempPath(), $"cocoon-k8s-{Guid.NewGuid():N}"));
        Assert.Equal((2, "Error: kubeconfig /nonexistent/kubeconfig does not exist: give --kubeconfig PATH, or run in a pod (in-cluster config)\n"), (exit, stderr));
    }

    /// <summary>The built binary under strace: a one-shot command never opens KubernetesClient.dll; the in-cluster agent does.</summary>
    [BuildFact]
    public void The_kubernetes_client_loads_only_in_the_in_cluster_mode()
    {
        if (!File.Exists("/usr/bin/strace"))
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "strace is needed for this test under CI");
            return;
        }

        var state = Path.Combine(Path.GetTempPath(), $"cocoon-k8s-{Guid.NewGuid():N}");
        Assert.DoesNotContain("KubernetesClient.dll", Opened("status", "--state-dir", state));
        Assert.DoesNotContain("KubernetesClient.dll", Opened("agent", "--kubernetes=false", "--state-dir", state));
        Assert.Contains("KubernetesClient.dll", Opened("agent", "--kubernetes", "--node-name", "n", "--kubeconfig", "/nonexistent", "--state-dir", state));
        Assert.False(Directory.Exists(state));
    }

    private static string Opened(params string[] args)
    {
        var info = new ProcessStartInfo("/usr/bin/strace") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in (string[])["-f", "-e", "trace=openat", TestEnvironment.Binary, .. args])
        {
            info.ArgumentList.Add(a);
        }

        info.Environment.Remove("KUBERNETES_SERVICE_HOST");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var trace = process.StandardError.ReadToEnd();
        process.WaitForExit();
        _ = stdout.Result;
        return trace;
    }
}
