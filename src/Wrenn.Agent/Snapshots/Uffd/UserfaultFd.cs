using System.Runtime.InteropServices;
using Wrenn.Agent.Os;
using Microsoft.Win32.SafeHandles;
using static Wrenn.Agent.Snapshots.Uffd.UffdNative;

namespace Wrenn.Agent.Snapshots.Uffd;

/// <summary>
/// A userfaultfd: the kernel object that stops a thread touching a missing page of a registered range
/// and tells the holder, who fills the page. Firecracker creates and registers its own for guest
/// memory and hands it over (<see cref="UffdHandshake"/>); <see cref="Create"/> is for ranges of this
/// process (tests, tools).
/// </summary>
public sealed class UserfaultFd : IDisposable
{
    private UserfaultFd(SafeFileHandle handle, ulong features)
    {
        Handle = handle;
        Features = features;
    }

    /// <summary>The descriptor. Users keep it alive with DangerousAddRef while they use the number.</summary>
    internal SafeFileHandle Handle { get; }

    /// <summary>Features the kernel reported at UFFDIO_API (0 for a received descriptor: its sender negotiated them).</summary>
    public ulong Features { get; }

    /// <summary>
    /// A new non-blocking, close-on-exec userfaultfd with the API handshake done, asking for
    /// <paramref name="features"/> (UFFD_FEATURE_* bits, 0 for plain missing-page faults).
    /// </summary>
    public static unsafe UserfaultFd Create(ulong features = 0)
    {
        var fd = (int)Syscall(UserfaultfdSyscall, LibC.O_CLOEXEC | LibC.O_NONBLOCK);
        if (fd < 0)
        {
            throw Error("userfaultfd", Marshal.GetLastPInvokeError());
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        var api = new UffdioApi { Api = UFFD_API, Features = features };
        if (Ioctl(fd, UFFDIO_API, &api) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw Error("UFFDIO_API", errno);
        }

        return new UserfaultFd(handle, api.Features);
    }

    /// <summary>
    /// Takes ownership of a userfaultfd whose API handshake and registrations its sender already did.
    /// It is made non-blocking: a blocking userfaultfd reports POLLERR to poll and cannot be served by
    /// a poll loop.
    /// </summary>
    public static UserfaultFd FromDescriptor(int fd)
    {
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (!LibC.SetNonBlocking(fd, true))
        {
            var errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw Error("fcntl O_NONBLOCK", errno);
        }

        return new UserfaultFd(handle, 0);
    }

    /// <summary>Registers [<paramref name="start"/>, start + <paramref name="length"/>) for missing-page faults; returns the ioctls allowed on it.</summary>
    public unsafe ulong Register(nint start, nuint length)
    {
        var register = new UffdioRegister
        {
            Range = new UffdioRange { Start = (ulong)start, Len = length },
            Mode = UFFDIO_REGISTER_MODE_MISSING,
        };
        if (Ioctl(Fd(), UFFDIO_REGISTER, &register) != 0)
        {
            throw Error("UFFDIO_REGISTER", Marshal.GetLastPInvokeError());
        }

        if ((register.Ioctls & (1UL << _UFFDIO_COPY)) == 0)
        {
            throw new IOException("UFFDIO_REGISTER: the kernel does not allow UFFDIO_COPY on this range");
        }

        return register.Ioctls;
    }

    /// <summary>Stops faults in the range from reaching this userfaultfd.</summary>
    public unsafe void Unregister(nint start, nuint length)
    {
        var range = new UffdioRange { Start = (ulong)start, Len = length };
        if (Ioctl(Fd(), UFFDIO_UNREGISTER, &range) != 0)
        {
            throw Error("UFFDIO_UNREGISTER", Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Closes the descriptor; threads still waiting on a fault in a registered range are woken and get ordinary pages.</summary>
    public void Dispose() => Handle.Dispose();

    internal static IOException Error(string call, int errno) =>
        new($"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");

    private int Fd() => (int)Handle.DangerousGetHandle();
}
