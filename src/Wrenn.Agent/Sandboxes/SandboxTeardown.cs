using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Storage;

namespace Wrenn.Agent.Sandboxes;

/// <summary>Stops a sandbox and frees what it held: runtime, mounts, network slot, directory.</summary>
public sealed class SandboxTeardown(IRuntime runtime, ISandboxNetwork network)
{
    /// <summary>Every step is tried; the errors of those that failed (empty when all went).</summary>
    public async Task<List<Exception>> TearDownAsync(Sandbox sandbox, CancellationToken cancellationToken)
    {
        var errors = new List<Exception>();
        if (sandbox.Runtime is { } runtimeSandbox)
        {
            errors.AddRange(await runtime.StopAsync(runtimeSandbox, cancellationToken).ConfigureAwait(false));
        }

        try
        {
            OverlayRootfs.Unmount(sandbox.Directory);
            SandboxDisk.Unmount(sandbox.Directory);
        }
        catch (Exception ex)
        {
            errors.Add(ex);
        }

        if (sandbox.Slot is { } slot)
        {
            errors.AddRange(await network.RemoveAsync(slot, cancellationToken).ConfigureAwait(false));
        }

        if (errors.Count == 0)
        {
            try
            {
                DeleteDirectory(sandbox.Directory);
            }
            catch (Exception ex)
            {
                errors.Add(ex);
            }
        }

        return errors;
    }

    /// <summary>Deletes a sandbox directory whose mounts are gone.</summary>
    public static void DeleteDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        // Never recurse into a live mount: that would delete the image or another sandbox's files.
        foreach (var mountPoint in new[] { OverlayRootfs.MountPoint(directory), SandboxDisk.MountPoint(directory) })
        {
            if (Os.Mounts.IsMountPoint(mountPoint))
            {
                throw new IOException($"{mountPoint} is still mounted; not deleting {directory}");
            }
        }

        Directory.Delete(directory, recursive: true);
    }
}
