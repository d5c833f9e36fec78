using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Validation;

/// <summary>
/// deploy/kubernetes against the Kubernetes API schemas: tests/manifests/validate.mjs (kubernetes-models, generated
/// from the upstream OpenAPI, plus a strict check for fields the schema does not declare). Needs node and the
/// validator's pinned packages (`make manifests-check` installs them with npm ci); under CI=true never skipped.
/// </summary>
public sealed class ManifestSchemaTests
{
    private static string Validator => Path.Combine(TestEnvironment.RepositoryRoot, "tests", "manifests", "validate.mjs");

    private static CommandResult Validate(params string[] paths)
    {
        var packages = Path.Combine(TestEnvironment.RepositoryRoot, "tests", "manifests", "node_modules");
        Assert.True(Directory.Exists(packages), $"{packages} is missing: run 'make manifests-check' (npm ci in tests/manifests) first");
        return Shell.Run("node", [Validator, .. paths], timeout: TimeSpan.FromMinutes(2));
    }

    [ToolFact("node")]
    public void The_manifests_and_the_teardown_job_are_valid_kubernetes_objects()
    {
        var result = Validate(Manifests.Directory);

        Assert.True(result.ExitCode == 0, result.ToString());
        // Every document was checked, the teardown Job and the admission policy (subdirectories) included.
        var documents = Manifests.LoadDirectory(Manifests.Directory).Count + Manifests.Load(Manifests.TeardownJob).Count
            + Manifests.LoadDirectory(Manifests.AdmissionPolicyDirectory).Count;
        Assert.Equal($"manifests: {documents} document(s) valid", result.Stdout.Trim());
    }

    [ToolFact("node")]
    public void A_wrong_type_an_unknown_field_and_a_bad_enum_are_rejected_with_file_kind_name_and_field()
    {
        var directory = Directory.CreateTempSubdirectory("cocoon-net-manifests-");
        try
        {
            File.WriteAllText(Path.Combine(directory.FullName, "broken.yaml"), """
                apiVersion: apps/v1
                kind: DaemonSet
                metadata:
                  name: broken
                  namespace: cocoon-net
                spec:
                  selector:
                    matchLabels: {app: broken}
                  template:
                    metadata:
                      labels: {app: broken}
                    spec:
                      hostNetwork: "yes"
                      containers:
                        - name: agent
                          image: cocoon-net:0.1.0
                          imagePullPolicy: Sometimes
                          resources:
                            requestz: {cpu: 20m}
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata: {name: typo, namespace: cocoon-net}
                rules:
                  - apiGroups: [coordination.k8s.io]
                    resources: [leases]
                    verb: [create]
                """);

            var result = Validate(directory.FullName);

            Assert.True(result.ExitCode == 1, result.ToString());
            var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.All(lines.SkipLast(1), l => Assert.Contains("broken.yaml: ", l, StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("DaemonSet/broken: spec.template.spec.hostNetwork: must be boolean", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("DaemonSet/broken: spec.template.spec.containers[0].imagePullPolicy: must be equal to one of the allowed values", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("DaemonSet/broken: spec.template.spec.containers[0].resources.requestz: unknown field", StringComparison.Ordinal));
            // The misspelt key is unknown, and the required one it was meant to be is missing.
            Assert.Contains(lines, l => l.Contains("Role/typo: rules[0].verb: unknown field", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("Role/typo: rules[0]: must have required property verbs", StringComparison.Ordinal));
            Assert.Equal("manifests: 5 problem(s) in 2 document(s)", lines[^1]);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [ToolFact("node")]
    public void A_manifest_the_kustomization_does_not_list_is_reported()
    {
        var directory = Directory.CreateTempSubdirectory("cocoon-net-manifests-");
        try
        {
            File.WriteAllText(Path.Combine(directory.FullName, "kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources: [serviceaccount.yaml, missing.yaml]
                """);
            File.WriteAllText(Path.Combine(directory.FullName, "serviceaccount.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: cocoon-net}\n");
            File.WriteAllText(Path.Combine(directory.FullName, "forgotten.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: b, namespace: cocoon-net}\n");

            var result = Validate(directory.FullName);

            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.Contains("Kustomization: resources: missing.yaml does not exist", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("Kustomization: resources: forgotten.yaml is beside it but not listed", result.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
