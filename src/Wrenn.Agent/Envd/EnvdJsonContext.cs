using System.Text.Json.Serialization;

namespace Wrenn.Agent.Envd;

[JsonSerializable(typeof(EnvdInitRequest))]
internal sealed partial class EnvdJsonContext : JsonSerializerContext;
