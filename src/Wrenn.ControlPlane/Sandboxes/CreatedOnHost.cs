using Wrenn.ControlPlane.Data.Entities;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>A sandbox its host has made; its row is still <c>starting</c> until the creator writes it running.</summary>
/// <param name="Sandbox">The row, tracked by the request's database context.</param>
/// <param name="Info">What the host answered (envd's address, token and version).</param>
public sealed record CreatedOnHost(SandboxEntity Sandbox, HostEntity Host, Agent.SandboxInfo Info);
