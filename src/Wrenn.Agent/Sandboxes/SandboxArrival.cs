namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// A container sandbox that another host exported, started here by <see cref="SandboxStarter"/> on its
/// moved files and left paused (Transfers/SandboxTransfers). Its processes start again (a container's
/// memory does not move); its files, envd token and start time are the ones it had.
/// </summary>
/// <param name="EnvdAccessToken">The token the sandbox's envd had on the other host: the control plane and its users hold it.</param>
/// <param name="StartedAt">When the sandbox was first created.</param>
/// <param name="FillUpperLayer">Writes the sandbox's files into the overlay's upper layer (the directory it is given, on the sandbox's disk) before the overlay is mounted.</param>
public sealed record SandboxArrival(string EnvdAccessToken, DateTimeOffset StartedAt, Func<string, CancellationToken, Task> FillUpperLayer);
