namespace CocoonNet.Tests.Integration;

/// <summary>
/// This project's namespace tests, one at a time: each runs agents, DHCP clients and traffic whose timing a
/// neighbour's load would blur. The project as a whole runs beside the other test projects.
/// </summary>
[CollectionDefinition(Name)]
public sealed class IsolationCollection
{
    public const string Name = "isolation network namespaces";
}
