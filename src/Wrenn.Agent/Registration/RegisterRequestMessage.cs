using System.Text.Json.Serialization;

namespace Wrenn.Agent.Registration;

/// <summary>Body of the control plane's POST /v1/hosts/register.</summary>
public sealed record RegisterRequestMessage(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("specs")] HostSpecsMessage Specs);
