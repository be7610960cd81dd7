using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Agent.Os;

/// <summary>
/// A program copied once into a memfd sealed against writes, growing, shrinking and further seals, and run by the path
/// <see cref="Path"/> (<c>/proc/&lt;agent pid&gt;/fd/N</c>, which names this copy for as long as the agent holds it).
/// crun, at every start, makes such a copy of itself unless it already runs from one (CVE-2019-5736: a container must
/// not be able to overwrite the host's runtime binary through <c>/proc/&lt;pid&gt;/exe</c>): a read-only bind mount of
/// its own binary, a remount and a second exec with its dynamic loading, per call and on every create's path. The
/// agent's copy is the same guard (crun takes a memfd with exactly these seals as its own: it cannot be written by
/// anybody), made once at start.
/// </summary>
public sealed class SealedExecutable : IDisposable
{
    /// <summary>The seals crun requires before it treats a memfd as its own copy (all four; no more, no fewer).</summary>
    public const int Seals = LibC.F_SEAL_SEAL | LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW | LibC.F_SEAL_WRITE;

    private readonly SafeFileHandle _copy;

    private SealedExecutable(SafeFileHandle copy)
    {
        _copy = copy;
        Path = $"/proc/{Environment.ProcessId}/fd/{copy.DangerousGetHandle()}";
    }

    /// <summary>Where the copy is run from while this object lives.</summary>
    public string Path { get; }

    /// <summary>The seals the copy carries (<see cref="Seals"/>).</summary>
    public int SealsHeld => LibC.Fcntl(_copy, LibC.F_GET_SEALS, 0);

    /// <summary>Copies <paramref name="program"/> (a full path) into a sealed memfd named <paramref name="name"/>.</summary>
    /// <exception cref="IOException">The memfd could not be made, filled or sealed.</exception>
    public static SealedExecutable CopyOf(string program, string name)
    {
        // MFD_EXEC where the kernel knows it (6.3+: vm.memfd_noexec may otherwise make the copy non-executable).
        var fd = LibC.MemfdCreate(name, LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING | LibC.MFD_EXEC);
        if (fd < 0 && Marshal.GetLastPInvokeError() == LibC.EINVAL)
        {
            fd = LibC.MemfdCreate(name, LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING);
        }

        if (fd < 0)
        {
            throw new IOException($"memfd_create for a copy of {program} failed: errno {Marshal.GetLastPInvokeError()}");
        }

        var copy = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            using (var source = new FileStream(program, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1))
            using (var target = new FileStream(new SafeFileHandle(fd, ownsHandle: false), FileAccess.Write, bufferSize: 1))
            {
                source.CopyTo(target, 1 << 20);
            }

            if (LibC.Fcntl(copy, LibC.F_ADD_SEALS, Seals) != 0)
            {
                throw new IOException($"sealing the copy of {program} failed: errno {Marshal.GetLastPInvokeError()}");
            }

            return new SealedExecutable(copy);
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    public void Dispose() => _copy.Dispose();
}
