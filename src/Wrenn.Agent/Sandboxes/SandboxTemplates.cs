using System.Diagnostics;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Storage;

namespace Wrenn.Agent.Sandboxes;

/// <summary>Templates made of sandboxes here, and their removal.</summary>
public sealed class SandboxTemplates(
    IRuntime runtime,
    TemplateStore templates,
    SandboxTable table,
    SandboxThaw thaw,
    ILogger<SandboxTemplates> logger)
{
    /// <summary>
    /// Makes template <paramref name="name"/> (a template id: the control plane keeps the team's name,
    /// <paramref name="teamName"/>, for it) of a running or paused sandbox's files. A running sandbox
    /// is frozen while its layer is copied, so the template is one moment of it, and thawed after.
    /// The sandbox ends as it was; if it cannot be thawed it is in error, never reported running.
    /// </summary>
    public async Task<TemplateManifest> CreateSnapshotAsync(string sandboxId, string name, string? teamName, CancellationToken cancellationToken)
    {
        TemplateStore.RequireId(name);
        if (!string.IsNullOrEmpty(teamName))
        {
            templates.RequireNotAnImage(teamName);
        }

        var sandbox = table.Get(sandboxId);
        return await sandbox.TransitionAsync(
            async () =>
            {
                if (sandbox.State is not (SandboxState.Running or SandboxState.Paused))
                {
                    throw new SandboxConflictException($"sandbox {sandboxId} is {SandboxManager.Describe(sandbox.State)}, not running or paused");
                }

                var started = Stopwatch.GetTimestamp();
                var freeze = sandbox.State == SandboxState.Running && !runtime.Capabilities.MemorySnapshots;
                if (freeze)
                {
                    await runtime.PauseAsync(sandbox.Runtime!, cancellationToken).ConfigureAwait(false);
                }

                try
                {
                    if (runtime.Capabilities.MemorySnapshots)
                    {
                        // The runtime stops the VM for the copy itself; its processes are part of the template.
                        return await CreateFromMemoryAsync(
                            name,
                            sandbox.Spec.Template,
                            sandboxId,
                            sandbox.Spec.Vcpus,
                            sandbox.Spec.MemoryMb,
                            async (directory, ct) =>
                            {
                                await runtime.WriteTemplateAsync(sandbox.Runtime!, directory, ct).ConfigureAwait(false);
                                await SandboxRecordStore.WriteEnvdTokenAsync(directory, sandbox.EnvdAccessToken!, ct).ConfigureAwait(false);
                            },
                            cancellationToken).ConfigureAwait(false);
                    }

                    return await templates.CreateAsync(
                        name,
                        sandbox.Spec.Template,
                        sandboxId,
                        OverlayRootfs.UpperDirectory(sandbox.Directory),
                        sandbox.Spec.Vcpus,
                        sandbox.Spec.MemoryMb,
                        runtime.Capabilities.FileOwners,
                        cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    if (freeze)
                    {
                        sandbox.State = await thaw.ThawOrMarkErrorAsync(sandbox).ConfigureAwait(false);
                    }

                    logger.TemplateSnapshotTook(sandboxId, name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <see cref="TemplateStore.CreateFromMemoryAsync"/>; when it fails, what the runtime made ahead for the
    /// half-written template (a VM's RAM copy for its clones) goes with its removed staging directory.
    /// </summary>
    private async Task<TemplateManifest> CreateFromMemoryAsync(string name, string parent, string sourceSandboxId, uint vcpus, uint memoryMb, Func<string, CancellationToken, Task> writeSnapshot, CancellationToken cancellationToken)
    {
        try
        {
            return await templates.CreateFromMemoryAsync(name, parent, sourceSandboxId, vcpus, memoryMb, writeSnapshot, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await runtime.ReleaseRemovedTemplatesAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Removes a template that no sandbox here stands on.</summary>
    public async Task DeleteAsync(string name)
    {
        templates.Delete(name, table.UsersOf(name));

        // A VM template's RAM copy (kept for its clones) holds the deleted file and memory until let go.
        await runtime.ReleaseRemovedTemplatesAsync().ConfigureAwait(false);
    }
}
