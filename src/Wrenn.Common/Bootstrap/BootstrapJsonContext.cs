using System.Text.Json.Serialization;

namespace Wrenn.Common.Bootstrap;

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(BootstrapCredentials))]
internal sealed partial class BootstrapJsonContext : JsonSerializerContext;
