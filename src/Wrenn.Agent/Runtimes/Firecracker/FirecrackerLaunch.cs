namespace Wrenn.Agent.Runtimes.Firecracker;

/// <summary>What starting one firecracker process takes.</summary>
/// <param name="SandboxId">Names the process (<c>--id wrenn-&lt;id&gt;</c>), so the agent knows it again after a restart.</param>
/// <param name="NamespacePath">The sandbox's network namespace (its TAP is there).</param>
/// <param name="ApiSocket">The API socket firecracker creates.</param>
/// <param name="RootDisk">The sandbox's root disk on the host (device or file).</param>
/// <param name="GuestDrivePath">Where the process sees <paramref name="RootDisk"/> (bound in its own mount namespace).</param>
/// <param name="SandboxDirectory">Where its stdout and stderr go: the console log there (<see cref="ConsoleLog"/>).</param>
/// <param name="PidFile">Where its pid is written.</param>
public sealed record FirecrackerLaunch(string SandboxId, string NamespacePath, string ApiSocket, string RootDisk, string GuestDrivePath, string SandboxDirectory, string PidFile);
