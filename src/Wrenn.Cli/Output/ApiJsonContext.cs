using System.Text.Json.Serialization;
using Wrenn.Sdk;

namespace Wrenn.Cli.Output;

/// <summary>
/// The SDK's records written back as the API's JSON (snake_case, the same names and order), so that
/// --json and the tables show what the API said.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SandboxInfo))]
[JsonSerializable(typeof(IReadOnlyList<SandboxInfo>))]
[JsonSerializable(typeof(TemplateInfo))]
[JsonSerializable(typeof(IReadOnlyList<TemplateInfo>))]
[JsonSerializable(typeof(HostInfo))]
[JsonSerializable(typeof(IReadOnlyList<HostInfo>))]
[JsonSerializable(typeof(HostRegistration))]
[JsonSerializable(typeof(ApiKeyInfo))]
[JsonSerializable(typeof(IReadOnlyList<ApiKeyInfo>))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
