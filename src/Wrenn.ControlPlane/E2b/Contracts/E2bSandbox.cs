using System.Text.Json.Serialization;

namespace Wrenn.ControlPlane.E2b.Contracts;

/// <summary>E2B's Sandbox: the answer to create, connect and resume; what the SDK needs to reach envd.</summary>
/// <param name="Domain">The traffic proxy's domain (<c>{port}-{sandboxID}.{domain}</c>), or null when none is configured.</param>
public sealed record E2bSandbox(
    [property: JsonPropertyName("templateID")] string TemplateId,
    [property: JsonPropertyName("sandboxID")] string SandboxId,
    string? Alias,
    [property: JsonPropertyName("clientID")] string ClientId,
    string EnvdVersion,
    string? EnvdAccessToken,
    string? TrafficAccessToken,
    string? Domain);
