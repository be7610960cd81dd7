using Microsoft.Extensions.Options;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Runtimes.Firecracker;

/// <summary>
/// Starts firecracker in the sandbox's network namespace and a mount namespace of its own, in which the
/// sandbox's root disk is bound at the one path every VM's drive has (see
/// <see cref="FirecrackerRuntimeOptions.GuestDrivePath"/>). Detached with setsid; its output (the guest's
/// serial console, which the guest writes as often as it likes) goes to the sandbox's console log
/// through the rotator that keeps it under <see cref="FirecrackerRuntimeOptions.ConsoleLogBytes"/> (<see cref="ConsoleLog"/>).
/// </summary>
public sealed class NamespacedFirecrackerLauncher(ICommandRunner commands, IOptions<FirecrackerRuntimeOptions> options) : IFirecrackerLauncher
{
    public async Task LaunchAsync(FirecrackerLaunch launch, CancellationToken cancellationToken)
    {
        // The bind needs a file to land on; an empty one on the host, covered only inside the VM's namespace.
        Directory.CreateDirectory(Path.GetDirectoryName(launch.GuestDrivePath)!);
        if (!File.Exists(launch.GuestDrivePath))
        {
            await File.WriteAllBytesAsync(launch.GuestDrivePath, [], cancellationToken).ConfigureAwait(false);
        }

        await commands.RunCheckedAsync(
            "/bin/sh",
            ConsoleLog.CappedShellArguments(
                launch.SandboxDirectory,
                options.Value.ConsoleLogBytes,
                [
                    // setsid, nsenter, unshare and sh all exec (none forks), so $! ends up being firecracker's pid.
                    "/bin/sh", "-c", "pidfile=\"$0\"; setsid \"$@\" & echo $! > \"$pidfile\"",
                    launch.PidFile,
                    "nsenter", "--net=" + launch.NamespacePath, "--",
                    "unshare", "--mount", "--propagation", "private", "--",
                    "/bin/sh", "-c", "mount --bind \"$1\" \"$2\" && exec \"$3\" --api-sock \"$4\" --id \"$5\"", "firecracker-launch",
                    launch.RootDisk, launch.GuestDrivePath, options.Value.Binary, launch.ApiSocket, "wrenn-" + launch.SandboxId,
                ]),
            cancellationToken).ConfigureAwait(false);
    }
}
