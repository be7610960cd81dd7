using System.Runtime.InteropServices;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Snapshots.Uffd;

/// <summary>
/// libc calls and kernel structures for userfaultfd and for receiving a descriptor over a unix socket.
/// Numbers and layouts are from linux/userfaultfd.h and sys/socket.h on x86-64 (checked with a C
/// program against this machine's headers, see docs/runtimes/snapshot-format.md); the structures have
/// the same layout on arm64.
/// </summary>
internal static unsafe partial class UffdNative
{
    /// <summary>errno of a process that has gone (a UFFDIO_COPY for a VMM that exited).</summary>
    public const int ESRCH = 3;

    /// <summary>errno of a UFFDIO_COPY the kernel wants made again (the mapping changed meanwhile).</summary>
    public const int EAGAIN = 11;

    public const ulong UFFD_API = 0xAA;

    // _IOWR/_IOR(0xAA, nr, struct): direction << 30 | sizeof(struct) << 16 | 0xAA << 8 | nr.
    public const ulong UFFDIO_API = 0xC018AA3F;
    public const ulong UFFDIO_REGISTER = 0xC020AA00;
    public const ulong UFFDIO_UNREGISTER = 0x8010AA01;
    public const ulong UFFDIO_WAKE = 0x8010AA02;
    public const ulong UFFDIO_COPY = 0xC028AA03;
    public const ulong UFFDIO_ZEROPAGE = 0xC020AA04;

    /// <summary>Bit numbers in the ioctls masks the kernel answers with.</summary>
    public const int _UFFDIO_COPY = 0x03;
    public const int _UFFDIO_ZEROPAGE = 0x04;

    public const ulong UFFDIO_REGISTER_MODE_MISSING = 1;

    public const byte UFFD_EVENT_PAGEFAULT = 0x12;
    public const byte UFFD_EVENT_FORK = 0x13;
    public const byte UFFD_EVENT_REMAP = 0x14;
    public const byte UFFD_EVENT_REMOVE = 0x15;
    public const byte UFFD_EVENT_UNMAP = 0x16;

    public const ulong UFFD_FEATURE_EVENT_REMOVE = 1 << 3;

    /// <summary>sizeof(struct uffd_msg): packed, the same on every architecture.</summary>
    public const int UffdMessageLength = 32;

    public const int SOL_SOCKET = 1;
    public const int SCM_RIGHTS = 1;
    public const int MSG_CTRUNC = 0x8;
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_CMSG_CLOEXEC = 0x40000000;

    /// <summary>The userfaultfd system call's number; glibc has no wrapper old enough to rely on.</summary>
    public static long UserfaultfdSyscall => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 323,
        Architecture.Arm64 => 282,
        var other => throw new PlatformNotSupportedException($"userfaultfd syscall number unknown on {other}"),
    };

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static partial long Syscall(long number, long argument);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, ulong request, void* argument);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    public static partial nint RecvMsg(int fd, MsgHdr* message, int flags);

    [StructLayout(LayoutKind.Sequential)]
    public struct UffdioApi
    {
        public ulong Api;
        public ulong Features;
        public ulong Ioctls;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct UffdioRange
    {
        public ulong Start;
        public ulong Len;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct UffdioRegister
    {
        public UffdioRange Range;
        public ulong Mode;
        public ulong Ioctls;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct UffdioCopy
    {
        public ulong Dst;
        public ulong Src;
        public ulong Len;
        public ulong Mode;
        public long Copy;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct UffdioZeropage
    {
        public UffdioRange Range;
        public ulong Mode;
        public long Zeropage;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct CmsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    /// <summary>CMSG_ALIGN: control messages start on pointer-size boundaries.</summary>
    public static nuint CmsgAlign(nuint length) => (length + (nuint)sizeof(nuint) - 1) & ~((nuint)sizeof(nuint) - 1);
}
