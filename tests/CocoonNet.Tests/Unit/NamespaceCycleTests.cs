using System.Reflection;
using System.Reflection.Emit;
using CocoonNet.Node.State;

namespace CocoonNet.Tests.Unit;

/// <summary>
/// The layering of the two product assemblies, read from their compiled code: no namespace of the host (Agent,
/// Cli, Operations, ...) and none of the engine (State, Pipeline, Linux, ...) may depend on another that depends
/// back on it. A cycle means neither side can be read, tested or changed alone. Dependencies are every type a
/// namespace's types name in their signatures or use in their method bodies (the IL's type, method and field
/// tokens), compiler-generated closures and state machines counted with the namespace that wrote them.
/// </summary>
public sealed class NamespaceCycleTests
{
    public static TheoryData<string> Assemblies => new() { "cocoon-net", "CocoonNet.Node" };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void No_namespace_depends_on_itself_through_another(string assemblyName)
    {
        var assembly = assemblyName == "CocoonNet.Node" ? typeof(PoolState).Assembly : typeof(CocoonNet.Host.ExitCodes).Assembly;
        Assert.Equal(assemblyName, assembly.GetName().Name);
        var graph = NamespaceGraph.Of(assembly);

        var cycles = NamespaceGraph.Cycles(graph);

        // Each edge inside a tangle with one example of the types that make it, so the message says what to move.
        var edges = cycles.SelectMany(group => group.SelectMany(from => graph[from].Edges
            .Where(edge => group.Contains(edge.Key))
            .Select(edge => $"{from} -> {edge.Key} ({edge.Value})")));
        Assert.True(cycles.Count == 0, "namespace cycles: " + string.Join("; ", cycles.Select(c => string.Join(" <-> ", c)))
            + "\n" + string.Join("\n", edges));
    }

    [Fact]
    public void The_reader_sees_a_dependency_made_only_inside_a_method_body()
    {
        // PoolStateStore news up SafeFile/AtomicFile-side types only in its bodies: the reader must see State -> Linux.
        var graph = NamespaceGraph.Of(typeof(PoolState).Assembly);

        Assert.Contains("Linux", graph["State"].Edges.Keys);
    }

    [Fact]
    public void The_engine_does_not_know_its_callers()
    {
        var referenced = typeof(PoolState).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();

        Assert.DoesNotContain("cocoon-net", referenced);
        Assert.DoesNotContain(referenced, name => name!.StartsWith("KubernetesClient", StringComparison.Ordinal));
        Assert.DoesNotContain(referenced, name => name!.StartsWith("System.CommandLine", StringComparison.Ordinal));
    }

    /// <summary>The namespaces one namespace uses, each with one example of the types that make the edge.</summary>
    private sealed class Uses
    {
        public Dictionary<string, string> Edges { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Namespace → the namespaces it uses, both as the part below the assembly's root namespace.</summary>
    private static class NamespaceGraph
    {
        private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (OpCode)f.GetValue(null)!)
            .ToDictionary(o => o.Value, o => o.OperandType);

        public static Dictionary<string, Uses> Of(Assembly assembly)
        {
            var root = assembly.GetName().Name == "cocoon-net" ? "CocoonNet.Host" : "CocoonNet.Node";
            var graph = new Dictionary<string, Uses>(StringComparer.Ordinal);
            foreach (var type in assembly.GetTypes())
            {
                if (Part(type, root) is not { } from)
                {
                    continue;
                }

                var uses = graph.TryGetValue(from, out var known) ? known : graph[from] = new Uses();
                foreach (var used in Used(type))
                {
                    if (Part(used, root) is { } to && to != from)
                    {
                        uses.Edges.TryAdd(to, $"{Outer(type).Name} uses {Outer(used).Name}");
                    }
                }
            }

            return graph;
        }

        /// <summary>Elementary cycles are many; the strongly connected groups (Tarjan) name each tangle once.</summary>
        public static List<List<string>> Cycles(Dictionary<string, Uses> graph)
        {
            var index = new Dictionary<string, int>();
            var low = new Dictionary<string, int>();
            var stack = new Stack<string>();
            var onStack = new HashSet<string>();
            var groups = new List<List<string>>();
            var next = 0;

            void Visit(string node)
            {
                index[node] = low[node] = next++;
                stack.Push(node);
                onStack.Add(node);
                foreach (var to in graph.TryGetValue(node, out var uses) ? uses.Edges.Keys : Enumerable.Empty<string>())
                {
                    if (!index.ContainsKey(to))
                    {
                        Visit(to);
                        low[node] = Math.Min(low[node], low[to]);
                    }
                    else if (onStack.Contains(to) && index.TryGetValue(to, out var toIndex))
                    {
                        low[node] = Math.Min(low[node], toIndex);
                    }
                }

                if (low[node] == index[node])
                {
                    var group = new List<string>();
                    string member;
                    do
                    {
                        member = stack.Pop();
                        onStack.Remove(member);
                        group.Add(member);
                    }
                    while (member != node);

                    if (group.Count > 1)
                    {
                        group.Sort(StringComparer.Ordinal);
                        groups.Add(group);
                    }
                }
            }

            foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
            {
                if (!index.ContainsKey(node))
                {
                    Visit(node);
                }
            }

            return groups;
        }

        private static Type Outer(Type type)
        {
            while (type.IsNested)
            {
                type = type.DeclaringType!;
            }

            return type;
        }

        /// <summary>"Agent" for CocoonNet.Host.Agent.Drift; "(root)" for CocoonNet.Host itself; null outside the assembly's root.</summary>
        private static string? Part(Type type, string root)
        {
            var ns = Outer(type).Namespace ?? "";
            if (ns == root)
            {
                return "(root)";
            }

            return ns.StartsWith(root + ".", StringComparison.Ordinal) ? ns[(root.Length + 1)..].Split('.')[0] : null;
        }

        private static IEnumerable<Type> Used(Type type)
        {
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var found = new List<Type>();
            void Add(Type? t)
            {
                if (t is null)
                {
                    return;
                }

                if (t.HasElementType)
                {
                    Add(t.GetElementType());
                    return;
                }

                if (t.IsGenericType && !t.IsGenericTypeDefinition)
                {
                    foreach (var argument in t.GetGenericArguments())
                    {
                        Add(argument);
                    }

                    Add(t.GetGenericTypeDefinition());
                    return;
                }

                if (!t.IsGenericParameter)
                {
                    found.Add(t);
                }
            }

            Add(type.BaseType);
            foreach (var i in type.GetInterfaces())
            {
                Add(i);
            }

            foreach (var field in type.GetFields(all))
            {
                Add(field.FieldType);
            }

            foreach (var property in type.GetProperties(all))
            {
                Add(property.PropertyType);
            }

            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                if (method is MethodInfo info)
                {
                    Add(info.ReturnType);
                }

                foreach (var parameter in method.GetParameters())
                {
                    Add(parameter.ParameterType);
                }

                foreach (var used in BodyTypes(method))
                {
                    Add(used);
                }
            }

            return found;
        }

        private static List<Type> Resolve(MethodBase method, int token, Type[]? typeArguments, Type[]? methodArguments)
        {
            MemberInfo? member;
            try
            {
                member = method.Module.ResolveMember(token, typeArguments, methodArguments);
            }
            catch (ArgumentException)
            {
                // A token the runtime cannot resolve in this context (a generic instantiation it cannot close):
                // it names nothing the signatures do not already name.
                return [];
            }

            return member switch
            {
                Type type => [type],
                FieldInfo field => [field.DeclaringType!, field.FieldType],
                MethodInfo called => [called.DeclaringType!, called.ReturnType, .. called.IsGenericMethod ? called.GetGenericArguments() : []],
                MethodBase other => [other.DeclaringType!],
                _ => [],
            };
        }

        /// <summary>The types a method body names: the declaring types of the members it calls or touches, and the types it names.</summary>
        private static IEnumerable<Type> BodyTypes(MethodBase method)
        {
            var il = method.GetMethodBody()?.GetILAsByteArray();
            if (il is null)
            {
                yield break;
            }

            var typeArguments = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
            var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
            var i = 0;
            while (i < il.Length)
            {
                short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
                i += il[i] == 0xFE ? 2 : 1;
                var operand = Operands.TryGetValue(value, out var kind) ? kind : OperandType.InlineNone;
                if (operand is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
                {
                    foreach (var used in Resolve(method, BitConverter.ToInt32(il, i), typeArguments, methodArguments))
                    {
                        yield return used;
                    }
                }

                i += operand switch
                {
                    OperandType.InlineNone => 0,
                    OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                    OperandType.InlineVar => 2,
                    OperandType.InlineI8 or OperandType.InlineR => 8,
                    OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, i)),
                    _ => 4,
                };
            }
        }
    }
}
