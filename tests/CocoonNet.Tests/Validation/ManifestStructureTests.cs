using System.Text.Json.Nodes;

namespace CocoonNet.Tests.Validation;

/// <summary>
/// What deploy/kubernetes must say beyond being valid Kubernetes objects (ManifestSchemaTests checks that):
/// exactly the node paths cocoon-net writes, least-privilege RBAC bound to the agent's ServiceAccount, a
/// privileged host-network pod whose probes reach the address --listen serves, and a teardown Job that matches.
/// </summary>
public sealed class ManifestStructureTests
{
    private const string Namespace = "cocoon-net";
    private const string ServiceAccount = "cocoon-net";

    /// <summary>The node paths cocoon-net writes (README, "What cocoon-net owns"), plus the GCE guest agent's config and iptables' lock.</summary>
    private static readonly Dictionary<string, string> HostPaths = new()
    {
        ["/etc/cni/net.d"] = "DirectoryOrCreate",
        ["/etc/dnsmasq-cni.d"] = "DirectoryOrCreate",
        ["/var/lib/cocoon"] = "DirectoryOrCreate",
        ["/var/lib/misc"] = "DirectoryOrCreate",
        ["/run/cocoon-net"] = "DirectoryOrCreate",
        ["/etc/default"] = "DirectoryOrCreate",
        ["/run/xtables.lock"] = "FileOrCreate",
    };

    private static readonly IReadOnlyList<ManifestObject> Objects = Manifests.LoadDirectory(Manifests.Directory);

    private static ManifestObject DaemonSet => Manifests.Single(Objects, "DaemonSet");

    private static ManifestObject TeardownJob => Assert.Single(Manifests.Load(Manifests.TeardownJob));

    private static JsonObject PodSpec(ManifestObject workload) => workload.Json["spec"]!["template"]!["spec"]!.AsObject();

    private static JsonObject Container(ManifestObject workload) => Assert.Single(PodSpec(workload)["containers"]!.AsArray())!.AsObject();

    private static List<string> Strings(JsonNode? array) => array?.AsArray().Select(n => (string)n!).ToList() ?? [];

    [Fact]
    public void The_kustomization_lists_every_manifest_and_the_admission_policy_and_not_the_teardown_job()
    {
        var kustomization = Assert.Single(Objects, o => o.Kind == "Kustomization");
        var listed = Strings(kustomization.Json["resources"]).Order(StringComparer.Ordinal);
        var files = Directory.GetFiles(Manifests.Directory, "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml")
            .Append("admission-policy").Order(StringComparer.Ordinal);
        Assert.Equal(files, listed);
        Assert.Null(kustomization.Json["namespace"]); // a namespace transformer would move the Events Role out of "default"

        var policy = Assert.Single(Manifests.LoadDirectory(Manifests.AdmissionPolicyDirectory), o => o.Kind == "Kustomization");
        Assert.Equal(
            Directory.GetFiles(Manifests.AdmissionPolicyDirectory, "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml").Order(StringComparer.Ordinal),
            Strings(policy.Json["resources"]).Order(StringComparer.Ordinal));
        Assert.Null(policy.Json["namespace"]);
    }

    [Fact]
    public void Docs_kubernetes_md_names_every_manifest_file()
    {
        var docs = File.ReadAllText(Path.Combine(Support.TestEnvironment.RepositoryRoot, "docs", "kubernetes.md"));
        var policy = Directory.GetFiles(Manifests.AdmissionPolicyDirectory, "*.yaml").Select(f => "admission-policy/" + Path.GetFileName(f));
        foreach (var file in Directory.GetFiles(Manifests.Directory, "*.yaml").Select(Path.GetFileName).Append("teardown/job.yaml").Concat(policy))
        {
            Assert.Contains(file!, docs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void One_file_holds_one_kind()
    {
        foreach (var file in Objects.GroupBy(o => o.File))
        {
            Assert.Single(file.Select(o => o.Kind).Distinct());
        }
    }

    [Fact]
    public void Every_object_lives_in_cocoon_net_except_the_events_role_in_default()
    {
        var namespaced = Objects.Where(o => o.Kind is not ("Namespace" or "ClusterRole" or "ClusterRoleBinding" or "Kustomization")).ToList();
        Assert.All(namespaced.Where(o => o.Name != "cocoon-net-events"), o => Assert.Equal(Namespace, o.Namespace));
        Assert.All(namespaced.Where(o => o.Name == "cocoon-net-events"), o => Assert.Equal("default", o.Namespace));
        Assert.Equal(Namespace, Manifests.Single(Objects, "Namespace").Name);
        Assert.Equal("privileged", (string?)Manifests.Single(Objects, "Namespace").Json["metadata"]!["labels"]!["pod-security.kubernetes.io/enforce"]);
    }

    [Fact]
    public void The_host_paths_are_exactly_those_cocoon_net_writes_and_each_is_mounted_where_it_is_on_the_node()
    {
        foreach (var workload in new[] { DaemonSet, TeardownJob })
        {
            var volumes = PodSpec(workload)["volumes"]!.AsArray().Select(v => v!.AsObject()).ToList();
            Assert.All(volumes, v => Assert.NotNull(v["hostPath"])); // no other kind of volume either
            Assert.Equal(
                HostPaths.OrderBy(p => p.Key, StringComparer.Ordinal),
                volumes.Select(v => KeyValuePair.Create((string)v["hostPath"]!["path"]!, (string)v["hostPath"]!["type"]!)).OrderBy(p => p.Key, StringComparer.Ordinal));

            var mounts = Container(workload)["volumeMounts"]!.AsArray().Select(m => m!.AsObject()).ToList();
            Assert.Equal(volumes.Count, mounts.Count);
            foreach (var volume in volumes)
            {
                var mount = Assert.Single(mounts, m => (string)m["name"]! == (string)volume["name"]!);
                Assert.Equal((string)volume["hostPath"]!["path"]!, (string)mount["mountPath"]!);
                Assert.Null(mount["readOnly"]);
            }
        }
    }

    [Fact]
    public void The_service_account_is_bound_to_every_role_and_used_by_the_pods()
    {
        var account = Manifests.Single(Objects, "ServiceAccount");
        Assert.Equal((ServiceAccount, Namespace), (account.Name, account.Namespace));
        Assert.Equal(ServiceAccount, (string?)PodSpec(DaemonSet)["serviceAccountName"]);
        Assert.Equal(ServiceAccount, (string?)PodSpec(TeardownJob)["serviceAccountName"]);

        var roles = Objects.Where(o => o.Kind is "Role" or "ClusterRole").ToList();
        var bindings = Objects.Where(o => o.Kind is "RoleBinding" or "ClusterRoleBinding").ToList();
        foreach (var role in roles)
        {
            var binding = Assert.Single(bindings, b => (string)b.Json["roleRef"]!["name"]! == role.Name && b.Namespace == role.Namespace);
            Assert.Equal(role.Kind, (string?)binding.Json["roleRef"]!["kind"]);
            Assert.Equal("rbac.authorization.k8s.io", (string?)binding.Json["roleRef"]!["apiGroup"]);
            var subject = Assert.Single(binding.Json["subjects"]!.AsArray())!;
            Assert.Equal(("ServiceAccount", ServiceAccount, Namespace), ((string)subject["kind"]!, (string)subject["name"]!, (string)subject["namespace"]!));
        }

        Assert.Equal(roles.Count, bindings.Count); // no binding to a role that is not here
    }

    [Fact]
    public void The_rbac_rules_grant_exactly_the_least_set_of_verbs()
    {
        // (scope, API group, resource) -> verbs. Scope: "cluster" for the ClusterRole, else the Role's namespace.
        var granted = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var role in Objects.Where(o => o.Kind is "Role" or "ClusterRole"))
        {
            foreach (var rule in role.Json["rules"]!.AsArray().Select(r => r!.AsObject()))
            {
                Assert.Null(rule["resourceNames"]);
                Assert.Null(rule["nonResourceURLs"]);
                foreach (var group in Strings(rule["apiGroups"]))
                {
                    foreach (var resource in Strings(rule["resources"]))
                    {
                        var key = $"{role.Namespace ?? "cluster"} {group}/{resource}";
                        if (!granted.TryGetValue(key, out var verbs))
                        {
                            granted[key] = verbs = new SortedSet<string>(StringComparer.Ordinal);
                        }

                        verbs.UnionWith(Strings(rule["verbs"]));
                    }
                }
            }
        }

        var expected = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal)
        {
            ["cluster /nodes"] = new(StringComparer.Ordinal) { "get", "watch", "patch" },
            ["cluster /nodes/status"] = new(StringComparer.Ordinal) { "patch" },
            ["cocoon-net coordination.k8s.io/leases"] = new(StringComparer.Ordinal) { "create", "delete", "get", "list", "update" },
            ["default /events"] = new(StringComparer.Ordinal) { "create" },
        };
        Assert.Equal(expected.Select(e => $"{e.Key}: {string.Join(',', e.Value)}"), granted.Select(e => $"{e.Key}: {string.Join(',', e.Value)}"));
    }

    [Fact]
    public void The_agent_pod_is_privileged_on_the_node_network_and_schedules_on_vm_nodes_only()
    {
        var pod = PodSpec(DaemonSet);
        Assert.True((bool)pod["hostNetwork"]!);
        Assert.True((bool)pod["hostPID"]!);
        Assert.Equal("ClusterFirstWithHostNet", (string?)pod["dnsPolicy"]);
        Assert.Equal("system-node-critical", (string?)pod["priorityClassName"]);
        Assert.Equal(10, (int)pod["terminationGracePeriodSeconds"]!);
        Assert.True((bool)Container(DaemonSet)["securityContext"]!["privileged"]!);
        Assert.Equal("""{"cocoonstack.io/vm-node":"true"}""", pod["nodeSelector"]!.ToJsonString());
        Assert.Equal(
            ["Exists NoExecute", "Exists NoSchedule"],
            pod["tolerations"]!.AsArray().Select(t => $"{(string)t!["operator"]!} {(string)t["effect"]!}").Order(StringComparer.Ordinal));
        Assert.Equal("""{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1}}""", DaemonSet.Json["spec"]!["updateStrategy"]!.ToJsonString());
    }

    [Fact]
    public void The_agent_runs_in_kubernetes_mode_with_its_node_and_address_from_the_downward_api()
    {
        var container = Container(DaemonSet);
        Assert.Equal(["/usr/bin/cocoon-net"], Strings(container["command"]));
        Assert.Equal(["agent", "--kubernetes", "--listen", "$(POD_IP):9092"], Strings(container["args"]));
        var env = container["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => e!);
        Assert.Equal("spec.nodeName", (string?)env["NODE_NAME"]["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("metadata.namespace", (string?)env["POD_NAMESPACE"]["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("status.podIP", (string?)env["POD_IP"]["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("process", (string?)env["COCOON_NET_SERVICE_MANAGER"]["value"]);
        // The unit's memory setting (packaging/systemd/cocoon-net.service) holds in the pod too.
        Assert.Equal("0", (string?)env["DOTNET_TieredCompilation"]["value"]);
        Assert.Contains("Environment=DOTNET_TieredCompilation=0",
            File.ReadAllText(Path.Combine(Support.TestEnvironment.RepositoryRoot, "packaging", "systemd", "cocoon-net.service")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_probes_and_the_metrics_port_are_where_listen_serves()
    {
        var container = Container(DaemonSet);
        var listen = Strings(container["args"]).SkipWhile(a => a != "--listen").Skip(1).First();
        var port = int.Parse(listen[(listen.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("/healthz", (string?)container["livenessProbe"]!["httpGet"]!["path"]);
        Assert.Equal("/readyz", (string?)container["readinessProbe"]!["httpGet"]!["path"]);
        Assert.Equal(port, (int)container["livenessProbe"]!["httpGet"]!["port"]!);
        Assert.Equal(port, (int)container["readinessProbe"]!["httpGet"]!["port"]!);
        Assert.Null(container["livenessProbe"]!["httpGet"]!["host"]); // the kubelet probes the pod's IP: the node's, which --listen names
        Assert.Equal(port, (int)Assert.Single(container["ports"]!.AsArray())!["containerPort"]!);
        Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)DaemonSet.Json["spec"]!["template"]!["metadata"]!["annotations"]!["prometheus.io/port"]);
    }

    [Fact]
    public void The_agent_requests_little_and_limits_only_memory()
    {
        var resources = Container(DaemonSet)["resources"]!;
        Assert.Equal("""{"cpu":"20m","memory":"64Mi"}""", resources["requests"]!.ToJsonString());
        Assert.Equal("""{"memory":"256Mi"}""", resources["limits"]!.ToJsonString());
    }

    [Fact]
    public void The_teardown_job_runs_teardown_on_one_named_node_with_the_agents_image_and_access()
    {
        var pod = PodSpec(TeardownJob);
        var container = Container(TeardownJob);
        Assert.Equal(["/usr/bin/cocoon-net", "teardown", "--kubernetes"], Strings(container["command"]));
        Assert.Null(container["args"]);
        Assert.Equal("NODE_NAME_HERE", (string?)pod["nodeName"]);
        Assert.Equal("Never", (string?)pod["restartPolicy"]);
        Assert.Equal((string?)Container(DaemonSet)["image"], (string?)container["image"]);
        Assert.Equal(Namespace, TeardownJob.Namespace);
        foreach (var field in new[] { "hostNetwork", "hostPID", "dnsPolicy", "priorityClassName", "tolerations" })
        {
            Assert.Equal(PodSpec(DaemonSet)[field]!.ToJsonString(), pod[field]!.ToJsonString());
        }

        Assert.True((bool)container["securityContext"]!["privileged"]!);
        Assert.Null(pod["nodeSelector"]); // the node no longer carries the label when teardown runs
    }
}
