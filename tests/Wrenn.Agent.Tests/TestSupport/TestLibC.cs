using System.Runtime.InteropServices;
using Wrenn.Agent.Snapshots.Uffd;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>What the userfaultfd tests need from libc and the agent does not: memory maps, socket pairs, sendmsg.</summary>
internal static unsafe partial class TestLibC
{
    public const int PROT_READ = 1;
    public const int PROT_WRITE = 2;
    public const int MAP_PRIVATE = 2;
    public const int MAP_ANONYMOUS = 0x20;
    public const int MADV_DONTNEED = 4;
    public const int AF_UNIX = 1;
    public const int SOCK_STREAM = 1;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int F_GETFD = 1;

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    public static partial int Madvise(nint address, nuint length, int advice);

    /// <summary>
    /// A copy out of memory that may fault into the page server. A libc call, not Marshal.Copy: a thread
    /// blocked on a fault inside managed code could not be suspended for a garbage collection, and a
    /// collection the page server thread then waits for would never end. In native code the runtime
    /// does not need to stop the thread.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "memcpy")]
    public static partial nint Memcpy(void* destination, nint source, nuint length);

    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    public static partial int SocketPair(int domain, int type, int protocol, int* fds);

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint SendMsg(int fd, UffdNative.MsgHdr* message, int flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    /// <summary>Sends <paramref name="payload"/> with <paramref name="descriptors"/> as SCM_RIGHTS, as Firecracker does.</summary>
    public static void SendWithDescriptors(int socket, ReadOnlySpan<byte> payload, params int[] descriptors)
    {
        var headerLength = (int)UffdNative.CmsgAlign((nuint)sizeof(UffdNative.CmsgHdr));
        var control = new byte[descriptors.Length == 0 ? 0 : (int)UffdNative.CmsgAlign((nuint)(headerLength + (descriptors.Length * sizeof(int))))];
        fixed (byte* data = payload)
        fixed (byte* controlData = control)
        {
            if (descriptors.Length > 0)
            {
                var header = (UffdNative.CmsgHdr*)controlData;
                header->Length = (nuint)(headerLength + (descriptors.Length * sizeof(int)));
                header->Level = UffdNative.SOL_SOCKET;
                header->Type = UffdNative.SCM_RIGHTS;
                for (var i = 0; i < descriptors.Length; i++)
                {
                    ((int*)(controlData + headerLength))[i] = descriptors[i];
                }
            }

            var iov = new UffdNative.IoVec { Base = data, Length = (nuint)payload.Length };
            var message = new UffdNative.MsgHdr
            {
                Iov = &iov,
                IovLength = 1,
                Control = descriptors.Length == 0 ? null : controlData,
                ControlLength = (nuint)control.Length,
            };
            if (SendMsg(socket, &message, 0) != payload.Length)
            {
                throw new IOException($"sendmsg: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }
        }
    }

    /// <summary>A connected pair of unix stream sockets, as raw descriptors.</summary>
    public static (int Left, int Right) CreateSocketPair()
    {
        var fds = stackalloc int[2];
        if (SocketPair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        {
            throw new IOException($"socketpair: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        return (fds[0], fds[1]);
    }

    /// <summary>Whether <paramref name="fd"/> is an open descriptor of this process.</summary>
    public static bool IsOpen(int fd) => Fcntl(fd, F_GETFD, 0) >= 0;
}
