using System.Text.Json;
using System.Text.Json.Serialization;

namespace CocoonNet.Node.State;

/// <summary>
/// The source-generated (reflection-free) serializer metadata for pool.json. Formatting that attributes
/// cannot express (relaxed escaping, upstream's omitted-when-empty keys) is added in <see cref="PoolStateJson"/>.
/// </summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    IndentSize = 2,
    NewLine = "\n",
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(PoolState))]
internal sealed partial class PoolStateJsonContext : JsonSerializerContext;
