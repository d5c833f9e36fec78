using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CocoonNet.Host.Pipeline;

namespace CocoonNet.Host.State;

/// <summary>
/// pool.json in upstream's exact form: two-space indent, upstream's key order, optional keys omitted when
/// empty, <c>ips</c> never omitted, RFC 3339 UTC timestamps with trailing zero digits trimmed, no trailing
/// newline. Written by hand with Utf8JsonWriter/Reader: the file is read on every run, and this keeps the
/// serializer's start-up cost off that path. Unknown keys are ignored on read (older and newer files load).
/// </summary>
internal static class PoolStateJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Write(PoolState state)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("platform", state.Platform);
            w.WriteString("nodeName", state.NodeName);
            w.WriteString("subnet", state.Subnet);
            w.WriteString("gateway", state.Gateway);
            OptionalString(w, "primaryNIC", state.PrimaryNic);
            OptionalList(w, "secondaryNICs", state.SecondaryNics);
            w.WritePropertyName("ips");
            if (state.Ips is null)
            {
                w.WriteNullValue();
            }
            else
            {
                StringArray(w, state.Ips);
            }

            OptionalList(w, "eniIDs", state.EniIds);
            OptionalString(w, "subnetID", state.SubnetId);
            OptionalString(w, "aliasRangeName", state.AliasRangeName);
            OptionalList(w, "dnsServers", state.DnsServers);
            w.WriteString("mode", state.Mode);
            OptionalString(w, "plugin", state.Plugin);
            OptionalString(w, "pluginVersion", state.PluginVersion);
            if (state.Settings is { Count: > 0 } settings) // [settings slice, issue 9]
            {
                w.WriteStartObject("settings");
                foreach (var (key, value) in settings.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    w.WriteString(key, value);
                }

                w.WriteEndObject();
            }

            w.WriteBoolean("manageIptables", state.ManageIptables);
            if (state.Cloud is { Count: > 0 } cloud)
            {
                w.WriteStartObject("cloud");
                foreach (var (key, value) in cloud.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    w.WriteString(key, value);
                }

                w.WriteEndObject();
            }

            w.WriteStartObject("host");
            w.WriteBoolean("bridgeCreated", state.Host.BridgeCreated);
            OptionalString(w, "bridgeAddress", state.Host.BridgeAddress);
            w.WriteBoolean("iptables", state.Host.Iptables);
            OptionalString(w, "iptablesFingerprint", state.Host.IptablesFingerprint);
            OptionalString(w, "dhcpService", state.Host.DhcpService);
            w.WriteBoolean("dhcpUnitInstalled", state.Host.DhcpUnitInstalled);
            w.WritePropertyName("files");
            StringArray(w, state.Host.Files);
            if (state.Host.Directories.Count > 0)
            {
                w.WritePropertyName("directories");
                StringArray(w, state.Host.Directories);
            }
            w.WriteEndObject();
            w.WriteString("updatedAt", FormatTimestamp(state.UpdatedAt));
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static PoolState Read(string json) => Read(Encoding.UTF8.GetBytes(json));

    public static PoolState Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        });
        Expect(ref reader, JsonTokenType.StartObject);
        var state = new PoolState();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            state = name switch
            {
                "platform" => state with { Platform = String(ref reader) ?? "" },
                "nodeName" => state with { NodeName = String(ref reader) ?? "" },
                "subnet" => state with { Subnet = String(ref reader) ?? "" },
                "gateway" => state with { Gateway = String(ref reader) ?? "" },
                "primaryNIC" => state with { PrimaryNic = String(ref reader) },
                "secondaryNICs" => state with { SecondaryNics = StringList(ref reader) },
                "ips" => state with { Ips = StringList(ref reader) },
                "eniIDs" => state with { EniIds = StringList(ref reader) },
                "subnetID" => state with { SubnetId = String(ref reader) },
                "aliasRangeName" => state with { AliasRangeName = String(ref reader) },
                "dnsServers" => state with { DnsServers = StringList(ref reader) },
                "mode" => state with { Mode = String(ref reader) ?? "" },
                "plugin" => state with { Plugin = String(ref reader) },
                "pluginVersion" => state with { PluginVersion = String(ref reader) },
                "settings" => state with { Settings = StringMap(ref reader) }, // [settings slice, issue 9]
                "manageIptables" => state with { ManageIptables = Boolean(ref reader) },
                "cloud" => state with { Cloud = StringMap(ref reader) },
                "host" => state with { Host = Footprint(ref reader) },
                "updatedAt" => state with { UpdatedAt = Timestamp(ref reader) },
                _ => Skip(ref reader, state),
            };
        }

        return state;
    }

    /// <summary>Go's RFC3339Nano in UTC: <c>2026-07-24T04:58:43.1234567Z</c>, zero digits trimmed.</summary>
    public static string FormatTimestamp(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        var fraction = (utc.Ticks % TimeSpan.TicksPerSecond).ToString("D7", CultureInfo.InvariantCulture).TrimEnd('0');
        return utc.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture) + (fraction.Length > 0 ? "." + fraction : "") + "Z";
    }

    private static HostFootprint Footprint(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject, alreadyRead: true);
        var footprint = new HostFootprint();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            switch (name)
            {
                case "bridgeCreated": footprint.BridgeCreated = Boolean(ref reader); break;
                case "bridgeAddress": footprint.BridgeAddress = String(ref reader); break;
                case "iptables": footprint.Iptables = Boolean(ref reader); break;
                case "iptablesFingerprint": footprint.IptablesFingerprint = String(ref reader); break;
                case "dhcpService": footprint.DhcpService = String(ref reader); break;
                case "dhcpUnitInstalled": footprint.DhcpUnitInstalled = Boolean(ref reader); break;
                case "files": footprint.Files = StringList(ref reader) ?? []; break;
                case "directories": footprint.Directories = StringList(ref reader) ?? []; break;
                default: reader.Skip(); break;
            }
        }

        return footprint;
    }

    private static PoolState Skip(ref Utf8JsonReader reader, PoolState state)
    {
        reader.Skip();
        return state;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, bool alreadyRead = false)
    {
        if ((!alreadyRead && !reader.Read()) || reader.TokenType != type)
        {
            throw new JsonException($"expected {type} at byte {reader.TokenStartIndex}");
        }
    }

    private static string? String(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => reader.GetString(),
        _ => throw new JsonException($"expected a string at byte {reader.TokenStartIndex}"),
    };

    private static bool Boolean(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False or JsonTokenType.Null => false,
        _ => throw new JsonException($"expected true or false at byte {reader.TokenStartIndex}"),
    };

    /// <summary>
    /// UTC ISO 8601 with at most 7 fraction digits (what cocoon-net writes) by the reader itself, which is
    /// cheap; anything else RFC 3339 allows (upstream's 9-digit nanoseconds, offsets) by the general parser,
    /// which rounds exactly but costs milliseconds on first use.
    /// </summary>
    private static DateTimeOffset Timestamp(ref Utf8JsonReader reader) =>
        reader is { TokenType: JsonTokenType.String, ValueIsEscaped: false, ValueSpan: { Length: <= 28 } and [.., (byte)'Z'] }
        && reader.TryGetDateTimeOffset(out var time)
            ? time.ToUniversalTime()
        : String(ref reader) is { } text
            ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)
            : default;

    private static List<string>? StringList(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        Expect(ref reader, JsonTokenType.StartArray, alreadyRead: true);
        var list = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            list.Add(String(ref reader) ?? "");
        }

        return list;
    }

    private static Dictionary<string, string>? StringMap(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        Expect(ref reader, JsonTokenType.StartObject, alreadyRead: true);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            map[key] = String(ref reader) ?? "";
        }

        return map;
    }

    private static void OptionalString(Utf8JsonWriter writer, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            writer.WriteString(name, value);
        }
    }

    private static void OptionalList(Utf8JsonWriter writer, string name, List<string>? values)
    {
        if (values is { Count: > 0 })
        {
            writer.WritePropertyName(name);
            StringArray(writer, values);
        }
    }

    private static void StringArray(Utf8JsonWriter writer, List<string> values)
    {
        writer.WriteStartArray();
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
