using Microsoft.Win32.SafeHandles;

namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>
/// One template RAM file's sealed copy in <see cref="TemplateMemory"/>: the memfd (sized at once, filled on its
/// own), the template's file held open (it says when the file is deleted or changed) and when the fill is done.
/// Its fields change under <see cref="TemplateMemory"/>'s lock only, but <see cref="Released"/>, which the
/// fill reads between chunks to stop early.
/// </summary>
internal sealed class TemplateRamCopy(RamFileIdentity identity, SafeFileHandle source, SafeFileHandle memfd)
{
    private readonly TaskCompletionSource _filled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _released;

    public RamFileIdentity Identity { get; } = identity;

    public SafeFileHandle Source { get; } = source;

    public SafeFileHandle Memfd { get; } = memfd;

    /// <summary>Done when the memfd holds the file's pages and is sealed; faulted when the fill failed or was stopped.</summary>
    public Task Filled => _filled.Task;

    /// <summary>The fill still runs: it, not <see cref="TemplateMemory"/>'s release, closes the two files when it ends.</summary>
    public bool Filling { get; set; } = true;

    /// <summary>No longer handed out (its file is gone or changed, the fill failed, or the agent stops).</summary>
    public bool Released
    {
        get => _released;
        set => _released = value;
    }

    public void SetFilled() => _filled.SetResult();

    public void SetFailed(Exception exception) => _filled.SetException(exception);

    /// <summary>Closes the memfd and the template's file; clones already running keep their own mappings.</summary>
    public void Close()
    {
        Memfd.Dispose();
        Source.Dispose();
    }
}
