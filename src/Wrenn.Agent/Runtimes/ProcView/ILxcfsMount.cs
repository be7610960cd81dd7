namespace Wrenn.Agent.Runtimes.ProcView;

/// <summary>A live lxcfs mount, started on first use.</summary>
public interface ILxcfsMount
{
    /// <summary>The lxcfs files to bind into a sandbox; empty (and a warning logged) when lxcfs cannot be had.</summary>
    ValueTask<IReadOnlyList<LxcfsFile>> FilesAsync(CancellationToken cancellationToken);
}
