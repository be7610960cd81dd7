using System.Text.Json.Serialization;

namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>The <c>state</c> in <c>GET /</c>.</summary>
public enum InstanceState
{
    [JsonStringEnumMemberName("Not started")]
    NotStarted,
    Running,
    Paused,
}
