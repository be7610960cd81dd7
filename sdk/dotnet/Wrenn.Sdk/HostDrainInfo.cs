namespace Wrenn.Sdk;

/// <summary>How far emptying a draining host has got (<see cref="WrennHosts.GetAsync"/>).</summary>
/// <param name="SandboxesLeft">Sandboxes still on it (running, paused, or on their way off it).</param>
/// <param name="Running">Of those, running (they are paused before they move).</param>
/// <param name="Paused">Of those, paused.</param>
/// <param name="Moving">Being moved to another host right now.</param>
/// <param name="Failed">Those whose last move failed, with why: they stay on it, paused, until a later try succeeds.</param>
public sealed record HostDrainInfo(int SandboxesLeft, int Running, int Paused, int Moving, IReadOnlyList<HostDrainFailure> Failed);
