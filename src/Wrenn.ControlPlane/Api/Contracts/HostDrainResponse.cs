namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>
/// How far emptying a draining host has got: the sandboxes still on it (running, paused, being moved
/// off it right now) and those whose last move failed, with why. Empty when <see cref="SandboxesLeft"/> is 0.
/// </summary>
public sealed record HostDrainResponse(int SandboxesLeft, int Running, int Paused, int Moving, IReadOnlyList<HostDrainFailureResponse> Failed);
