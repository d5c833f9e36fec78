using System.Text.Json.Serialization;

namespace ExampleCloud;

/// <summary>The example cloud's one resource: a block of VPC addresses routed to a node.</summary>
internal sealed record Reservation
{
    /// <summary>Unique name, derived from the node so a re-run finds it again.</summary>
    public required string Name { get; init; }

    /// <summary>The zone it lives in.</summary>
    public required string Zone { get; init; }

    /// <summary>The VM subnet, e.g. <c>172.20.100.0/24</c>.</summary>
    public required string Subnet { get; init; }

    /// <summary>The reserved addresses, ascending.</summary>
    public required IReadOnlyList<string> Addresses { get; init; }

    /// <summary>Same zone, subnet and addresses (the records' own equality compares lists by reference).</summary>
    public bool SameAs(Reservation other) =>
        Name == other.Name && Zone == other.Zone && Subnet == other.Subnet && Addresses.SequenceEqual(other.Addresses);
}

/// <summary>Source-generated JSON for the stand-in API's files (no reflection at run time).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Reservation))]
internal sealed partial class ReservationJson : JsonSerializerContext;
