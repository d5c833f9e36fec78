namespace CocoonNet.Tests.Integration;

/// <summary>
/// This project's namespace tests, one at a time: detection deadlines and emulated arm64 runs are timed, and a
/// neighbour's load would blur them. The project as a whole runs beside the other test projects.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ParityCollection
{
    public const string Name = "parity network namespaces";
}
