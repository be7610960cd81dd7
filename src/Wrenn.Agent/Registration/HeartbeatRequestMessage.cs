using System.Text.Json.Serialization;

namespace Wrenn.Agent.Registration;

/// <summary>Body of POST /v1/hosts/{id}/heartbeat.</summary>
public sealed record HeartbeatRequestMessage(
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("specs")] HostSpecsMessage Specs,
    [property: JsonPropertyName("running_sandboxes")] int RunningSandboxes);
