namespace CocoonNet.Tests.Integration;

/// <summary>
/// This project's namespace tests, one at a time: each runs agents and DHCP clients whose timing a neighbour's load
/// would blur. The project as a whole runs beside the other test projects.
/// </summary>
[CollectionDefinition(Name)]
public sealed class NamespaceCollection
{
    public const string Name = "dhcp network namespaces";
}
