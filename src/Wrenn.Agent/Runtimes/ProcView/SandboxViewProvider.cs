namespace Wrenn.Agent.Runtimes.ProcView;

/// <summary>The lxcfs files of the agent's lxcfs mount and a cpuset of the sandbox's vCPU count.</summary>
public sealed class SandboxViewProvider(ILxcfsMount lxcfs, ICpuSetAllocator cpuSets) : ISandboxViewProvider
{
    public async Task<SandboxView> ForAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken)
    {
        var files = await lxcfs.FilesAsync(cancellationToken).ConfigureAwait(false);
        return new SandboxView(files, cpuSets.Choose(sandbox.SandboxId, (int)Math.Min(sandbox.Vcpus, int.MaxValue)));
    }
}
