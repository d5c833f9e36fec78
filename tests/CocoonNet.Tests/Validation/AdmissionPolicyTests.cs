using System.Text.Json.Nodes;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Validation;

/// <summary>
/// deploy/kubernetes/admission-policy: the ValidatingAdmissionPolicy that keeps each agent to its own Node and
/// Leases. Its CEL is evaluated on the agent's real requests and on the refused ones by tests/manifests/policy.test.mjs
/// (a real CEL implementation, @bufbuild/cel, pinned in tests/manifests/package-lock.json); here its shape is pinned
/// and every write right RBAC grants is checked to pass through it.
/// </summary>
public sealed class AdmissionPolicyTests
{
    private static readonly IReadOnlyList<ManifestObject> Objects = Manifests.LoadDirectory(Manifests.AdmissionPolicyDirectory);

    private static ManifestObject Policy => Manifests.Single(Objects, "ValidatingAdmissionPolicy");

    private static ManifestObject Binding => Manifests.Single(Objects, "ValidatingAdmissionPolicyBinding");

    private static List<string> Strings(JsonNode? array) => array?.AsArray().Select(n => (string)n!).ToList() ?? [];

    [ToolFact("node")]
    public void The_policy_admits_every_call_of_the_agent_on_its_own_node_and_refuses_the_rest()
    {
        var packages = Path.Combine(TestEnvironment.RepositoryRoot, "tests", "manifests", "node_modules");
        Assert.True(Directory.Exists(packages), $"{packages} is missing: run 'make manifests-check' (npm ci in tests/manifests) first");

        var result = Shell.Run("node", ["--test", Path.Combine(TestEnvironment.RepositoryRoot, "tests", "manifests", "policy.test.mjs")], timeout: TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("# fail 0", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("# pass 0\n", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_policy_looks_only_at_the_agents_service_account_fails_closed_and_the_binding_denies()
    {
        var account = Manifests.Single(Manifests.LoadDirectory(Manifests.Directory), "ServiceAccount");
        var condition = Assert.Single(Policy.Json["spec"]!["matchConditions"]!.AsArray())!;
        Assert.Equal($"request.userInfo.username == 'system:serviceaccount:{account.Namespace}:{account.Name}'", (string?)condition["expression"]);
        Assert.Equal("Fail", (string?)Policy.Json["spec"]!["failurePolicy"]);
        Assert.Null(Policy.Json["spec"]!["paramKind"]);

        Assert.Equal(Policy.Name, (string?)Binding.Json["spec"]!["policyName"]);
        Assert.Equal(["Deny"], Strings(Binding.Json["spec"]!["validationActions"]));
        Assert.Null(Binding.Json["spec"]!["paramRef"]);
        Assert.Null(Binding.Json["spec"]!["matchResources"]); // the policy's own match, nothing wider or narrower
        Assert.All(Objects.Where(o => o.Kind != "Kustomization"), o => Assert.Null(o.Namespace)); // both are cluster-scoped
    }

    [Fact]
    public void Every_write_rbac_grants_the_agent_passes_through_the_policy()
    {
        // The operations the policy sees, per API group and resource.
        var matched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in Policy.Json["spec"]!["matchConstraints"]!["resourceRules"]!.AsArray())
        {
            foreach (var group in Strings(rule!["apiGroups"]))
            {
                foreach (var resource in Strings(rule["resources"]))
                {
                    foreach (var operation in Strings(rule["operations"]))
                    {
                        matched.Add($"{group}/{resource} {operation}");
                    }
                }
            }
        }

        // Each write verb of the ClusterRole and the Roles is an admission operation (a patch is an UPDATE).
        var writes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var role in Manifests.LoadDirectory(Manifests.Directory).Where(o => o.Kind is "Role" or "ClusterRole"))
        {
            foreach (var rule in role.Json["rules"]!.AsArray())
            {
                foreach (var verb in Strings(rule!["verbs"]))
                {
                    var operation = verb switch
                    {
                        "create" => "CREATE",
                        "update" or "patch" => "UPDATE",
                        "delete" or "deletecollection" => "DELETE",
                        _ => null,
                    };
                    if (operation is null)
                    {
                        continue;
                    }

                    foreach (var group in Strings(rule["apiGroups"]))
                    {
                        foreach (var resource in Strings(rule["resources"]))
                        {
                            writes.Add($"{group}/{resource} {operation}");
                        }
                    }
                }
            }
        }

        Assert.Equal(
            ["/events CREATE", "/nodes UPDATE", "/nodes/status UPDATE", "coordination.k8s.io/leases CREATE", "coordination.k8s.io/leases DELETE", "coordination.k8s.io/leases UPDATE"],
            writes);
        // Every one of them is matched, and nothing the agent cannot do anyway.
        Assert.Equal(writes, matched.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_policy_needs_the_node_name_of_a_pod_bound_token_and_says_so()
    {
        var variable = Assert.Single(Policy.Json["spec"]!["variables"]!.AsArray(), v => (string?)v!["name"] == "nodeName")!;
        Assert.Contains("request.userInfo.extra['authentication.kubernetes.io/node-name']", (string?)variable["expression"], StringComparison.Ordinal);
        var first = Policy.Json["spec"]!["validations"]!.AsArray()[0]!;
        Assert.Equal("variables.nodeName != ''", (string?)first["expression"]);
        Assert.Contains("pod-bound", (string?)first["message"], StringComparison.Ordinal);
    }
}
