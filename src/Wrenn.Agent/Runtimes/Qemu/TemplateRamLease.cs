using Microsoft.Win32.SafeHandles;

namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>
/// A template's sealed RAM copy for one clone's launch: a descriptor of its own (a duplicate of the memfd), so
/// the path handed to QEMU's root launcher names the memfd until this lease is disposed, whatever happens to
/// the shared one meanwhile (a descriptor number closed and reused would name another file). Disposed once
/// the launcher has opened it (QEMU runs) or the launch ended.
/// </summary>
public sealed class TemplateRamLease : IDisposable
{
    private readonly SafeFileHandle _descriptor;

    internal TemplateRamLease(SafeFileHandle descriptor, Task filled)
    {
        _descriptor = descriptor;
        Filled = filled;
        Path = $"/proc/{Environment.ProcessId}/fd/{descriptor.DangerousGetHandle()}";
    }

    /// <summary>/proc/&lt;agent&gt;/fd/N of this lease's own descriptor, for the root launcher to open.</summary>
    public string Path { get; }

    /// <summary>
    /// Done when the memfd holds all of the template's RAM and is sealed. A QEMU may map the memfd before (it
    /// reads no guest RAM until its state is loaded); its state must not be loaded, nor its guest run, before.
    /// </summary>
    public Task Filled { get; }

    /// <summary>
    /// <see cref="Path"/> once the copy is filled and sealed: what a launch hands QEMU. QEMU opens its mem-path
    /// read-write; an unsealed memfd opened so could be written through /proc by anything running as QEMU's user
    /// (with WRENN_QEMU_USER, every VM's QEMU, one of them perhaps run by its guest), and every later clone of the
    /// template would start from what it wrote. Sealed, nobody can.
    /// </summary>
    public async Task<string> SealedPathAsync(CancellationToken cancellationToken)
    {
        await Filled.WaitAsync(cancellationToken).ConfigureAwait(false);
        return Path;
    }

    public void Dispose() => _descriptor.Dispose();
}
