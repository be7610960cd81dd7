namespace Wrenn.Agent.Runtimes.ProcView;

/// <summary>
/// The lxcfs files of the agent's lxcfs mount and a cpuset of the sandbox's vCPU count; a pinned sandbox's online CPU
/// list is a file of its own (<see cref="OnlineCpusFile"/>) in place of lxcfs's.
/// </summary>
public sealed class SandboxViewProvider(ILxcfsMount lxcfs, ICpuSetAllocator cpuSets) : ISandboxViewProvider
{
    public async Task<SandboxView> ForAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken)
    {
        var files = await lxcfs.FilesAsync(cancellationToken).ConfigureAwait(false);
        var cpus = cpuSets.Choose(sandbox.SandboxId, (int)Math.Min(sandbox.Vcpus, int.MaxValue));
        if (cpus is null || !files.Any(f => f.Destination == OnlineCpusFile.Destination))
        {
            return new SandboxView(files, cpus, []);
        }

        return new SandboxView([.. files.Where(f => f.Destination != OnlineCpusFile.Destination)], cpus, [OnlineCpusFile.For(cpus)]);
    }
}
