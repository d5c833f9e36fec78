namespace CocoonNet.Host.Agent;

/// <summary>
/// The parts of the host plan a repair runs again. The agent decides in these terms (<see cref="NodePartsFor.Drift"/>); only
/// <see cref="InMemoryNode"/> turns them into the engine's steps.
/// </summary>
[Flags]
internal enum NodeParts
{
    None = 0,

    /// <summary>The backend's host preparation (a plugin call, so never from memory).</summary>
    Prepare = 1,

    Bridge = 2,

    Routes = 4,

    Dhcp = 8,
}

/// <summary>What drift needs put back.</summary>
internal static class NodePartsFor
{
    /// <summary>
    /// A route (or a guest agent's local route) → the routes; the bridge → bridge and routes (a bridge re-created has
    /// lost its routes); a NIC → the backend's host preparation.
    /// </summary>
    public static NodeParts Drift(RepairScope scope)
    {
        var parts = NodeParts.None;
        if (scope.HasFlag(RepairScope.Routes) || scope.HasFlag(RepairScope.ForeignLocalRoutes))
        {
            parts |= NodeParts.Routes;
        }

        if (scope.HasFlag(RepairScope.Bridge))
        {
            parts |= NodeParts.Bridge | NodeParts.Routes;
        }

        if (scope.HasFlag(RepairScope.Nics))
        {
            parts |= NodeParts.Prepare;
        }

        return parts;
    }

    /// <summary>As the log says it: <c>all</c>, or the parts joined by <c>+</c> (<c>prepare+bridge+routes</c>).</summary>
    public static string Describe(NodeParts? parts)
    {
        if (parts is not { } p)
        {
            return "all";
        }

        var names = new List<string>(4);
        foreach (var (part, name) in Names)
        {
            if (p.HasFlag(part))
            {
                names.Add(name);
            }
        }

        return string.Join('+', names);
    }

    private static readonly (NodeParts Part, string Name)[] Names =
        [(NodeParts.Prepare, "prepare"), (NodeParts.Bridge, "bridge"), (NodeParts.Dhcp, "dhcp"), (NodeParts.Routes, "routes")];
}
