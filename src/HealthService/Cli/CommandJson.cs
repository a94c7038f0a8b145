using System.Text.Json.Serialization;

namespace HealthService.Cli;

/// <summary>The JSON the commands send, serialized by generated code: the native executable has no reflection-based serializer.</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class CommandJson : JsonSerializerContext;
