using System.Net;
using CocoonNet.Node.Linux;
using CocoonNet.Node.Pipeline.Steps;

namespace CocoonNet.Host.Agent.Drift;

/// <summary>
/// What one kernel event means for the node: an object drifted (<see cref="Drifted"/> true), or an object is
/// back as wanted (false: a drift seen earlier in the same burst needs no repair, e.g. a route the agent itself
/// re-added). <paramref name="Key"/> names the object (flap accounting, logs); <paramref name="Kind"/> is its kind.
/// </summary>
internal readonly record struct DriftObservation(string Key, string Kind, RepairScope Scope, bool Drifted);

/// <summary>
/// Classifies kernel events against the node's <see cref="DriftScope"/>. Keeps the link index → name map up to date
/// from link events (route and address events carry only indexes). Everything that does not concern the node,
/// and the events the agent's own repairs cause, give no drift.
/// </summary>
internal sealed class DriftClassifier
{
    private readonly DriftScope _scope;
    private readonly HashSet<IPAddress> _ips;
    private readonly HashSet<string> _nics;
    private readonly Dictionary<int, string> _names = [];
    private int _bridgeIndex;

    public DriftClassifier(DriftScope scope, IEnumerable<LinkInfo> links)
    {
        _scope = scope;
        _ips = scope.Ips.ToHashSet();
        _nics = scope.Nics.ToHashSet(StringComparer.Ordinal);
        foreach (var link in links)
        {
            Learn(link.Index, link.Name);
        }
    }

    public DriftObservation? Classify(KernelEvent e) => e switch
    {
        LinkEvent link => Link(link),
        AddressEvent address => Address(address),
        RouteEvent route => Route(route),
        _ => null,
    };

    private DriftObservation? Link(LinkEvent e)
    {
        var previous = _names.GetValueOrDefault(e.Index);
        if (e.Deleted)
        {
            _names.Remove(e.Index);
            if (e.Index == _bridgeIndex)
            {
                _bridgeIndex = 0;
            }
        }
        else
        {
            if (previous is not null && previous != e.Name && e.Index == _bridgeIndex)
            {
                // The bridge renamed: for the node it is gone.
                _bridgeIndex = 0;
                Learn(e.Index, e.Name);
                return new($"bridge {_scope.Bridge} deleted", "bridge", RepairScope.Bridge, true);
            }

            Learn(e.Index, e.Name);
        }

        if (e.Name == _scope.Bridge)
        {
            if (e.Deleted)
            {
                // Deleting the bridge also drops its routes without a notification each: never cancelled.
                return new($"bridge {_scope.Bridge} deleted", "bridge", RepairScope.Bridge, true);
            }

            // Setting it down drops its routes silently too, so only a link just created (the agent's own
            // re-creation, up a moment later) is not a drift; a later "up" does not cancel a "down".
            return !e.IsUp && !e.Registered
                ? new($"bridge {_scope.Bridge} down", "bridge", RepairScope.Bridge, true)
                : null;
        }

        if (_nics.Contains(e.Name) && !e.Deleted)
        {
            return new($"nic {e.Name} down", "nic", RepairScope.Nics, !e.IsUp);
        }

        return null;
    }

    private DriftObservation? Address(AddressEvent e)
    {
        if (e.Index == 0 || e.Index != _bridgeIndex || !_scope.Subnet.Contains(e.Address))
        {
            return null;
        }

        return new($"address {e.Address}/{e.PrefixLength} on {_scope.Bridge}", "address", RepairScope.Bridge, e.Deleted);
    }

    private DriftObservation? Route(RouteEvent e)
    {
        if (e.Table == RouteConstants.TableMain && e.PrefixLength == 32 && _ips.Contains(e.Destination))
        {
            var ours = e.Protocol == RouteConstants.ProtocolCocoonNet && e.OutputIndex == _bridgeIndex && _bridgeIndex != 0
                       && e.Type == RouteConstants.TypeUnicast;
            return new($"route {e.Destination}/32", "route", RepairScope.Routes, e.Deleted || !ours);
        }

        var asRoute = new RouteInfo(e.Destination, e.PrefixLength, e.OutputIndex, e.Table, e.Protocol, 0, e.Type);
        if (RouteStep.ForeignLocalRoutes([asRoute], _scope.Subnet, _bridgeIndex).Any())
        {
            var device = _names.GetValueOrDefault(e.OutputIndex) ?? $"link {e.OutputIndex}";
            return new($"local-route {e.Destination}/{e.PrefixLength} on {device}", "local-route", RepairScope.ForeignLocalRoutes, !e.Deleted);
        }

        return null;
    }

    private void Learn(int index, string name)
    {
        _names[index] = name;
        if (name == _scope.Bridge)
        {
            _bridgeIndex = index;
        }
    }
}
