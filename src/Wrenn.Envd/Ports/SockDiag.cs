using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace Wrenn.Envd.Ports;

/// <summary>
/// Listening TCP sockets of envd's network namespace, asked of the kernel over netlink (sock_diag, as
/// <c>ss -ltn</c> asks), for LISTEN sockets only. Reading /proc/net/tcp and tcp6 (<see cref="ProcNetTcp"/>)
/// walks the host's whole established-connection hash table, which every namespace shares (262,144 buckets
/// on a small host): 8–12 ms of kernel time per file, so 15–25 ms per scan, every second, in every sandbox,
/// and the first scan lands on a new sandbox's first calls. A LISTEN-only dump walks only the listening table.
/// </summary>
public static partial class SockDiag
{
    private const int AfNetlink = 16;
    private const int SockRaw = 3;
    private const int SockCloexec = 0x80000;
    private const int NetlinkSockDiag = 4;
    private const ushort SockDiagByFamily = 20;
    private const ushort NlmFRequest = 0x1;
    private const ushort NlmFDump = 0x300;
    private const ushort NlmsgError = 2;
    private const ushort NlmsgDone = 3;
    private const byte IpProtoTcp = 6;
    private const int TcpListen = 10;
    private const byte AfInet = 2;
    private const byte AfInet6 = 10;

    /// <summary>struct nlmsghdr.</summary>
    private const int HeaderBytes = 16;

    /// <summary>struct inet_diag_req_v2: family, protocol, ext, pad, states, then a 48-byte inet_diag_sockid.</summary>
    private const int RequestBytes = 56;

    /// <summary>struct inet_diag_msg up to the end of its inet_diag_sockid's addresses (family, state, timer, retrans, sport, dport, src[16], dst[16]).</summary>
    private const int MessageBytes = 40;

    private const int ReceiveBytes = 32 * 1024;

    /// <summary>Every TCP socket in LISTEN state, IPv4 and IPv6; throws <see cref="IOException"/> when the kernel does not answer.</summary>
    public static List<LocalListener> ReadListeners()
    {
        var socket = Socket(AfNetlink, SockRaw | SockCloexec, NetlinkSockDiag);
        if (socket < 0)
        {
            throw Error("socket(AF_NETLINK, NETLINK_SOCK_DIAG)");
        }

        try
        {
            var listeners = new List<LocalListener>();
            var buffer = new byte[ReceiveBytes];
            Dump(socket, AfInet, 1, buffer, listeners);
            Dump(socket, AfInet6, 2, buffer, listeners);
            return listeners;
        }
        finally
        {
            _ = Close(socket);
        }
    }

    /// <summary>
    /// The LISTEN sockets in one answer to a dump request, appended to <paramref name="listeners"/>; true when the
    /// answer is complete (NLMSG_DONE). Throws <see cref="IOException"/> on an error message or a message cut short.
    /// </summary>
    public static bool Parse(ReadOnlySpan<byte> answer, List<LocalListener> listeners)
    {
        while (answer.Length >= HeaderBytes)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(answer);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(answer[4..]);
            if (length < HeaderBytes || length > answer.Length)
            {
                throw new IOException($"sock_diag: a message of {length} bytes in {answer.Length}");
            }

            if (type == NlmsgDone)
            {
                return true;
            }

            if (type == NlmsgError)
            {
                var errno = length >= HeaderBytes + 4 ? -BinaryPrimitives.ReadInt32LittleEndian(answer[HeaderBytes..]) : 0;
                throw new IOException("sock_diag: " + Marshal.GetPInvokeErrorMessage(errno));
            }

            if (type == SockDiagByFamily && length >= HeaderBytes + MessageBytes)
            {
                var message = answer.Slice(HeaderBytes, MessageBytes);
                if (message[1] == TcpListen)
                {
                    var port = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
                    var address = message[0] == AfInet6 ? new IPAddress(message.Slice(8, 16)) : new IPAddress(message.Slice(8, 4));
                    listeners.Add(new LocalListener(address, port));
                }
            }

            var aligned = (length + 3) & ~3;
            answer = aligned >= answer.Length ? [] : answer[aligned..];
        }

        return false;
    }

    private static void Dump(int socket, byte family, uint sequence, byte[] buffer, List<LocalListener> listeners)
    {
        Span<byte> request = stackalloc byte[HeaderBytes + RequestBytes];
        request.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(request, (uint)request.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(request[4..], SockDiagByFamily);
        BinaryPrimitives.WriteUInt16LittleEndian(request[6..], NlmFRequest | NlmFDump);
        BinaryPrimitives.WriteUInt32LittleEndian(request[8..], sequence);
        request[HeaderBytes] = family;
        request[HeaderBytes + 1] = IpProtoTcp;
        BinaryPrimitives.WriteUInt32LittleEndian(request[(HeaderBytes + 4)..], 1u << TcpListen);
        unsafe
        {
            fixed (byte* bytes = request)
            {
                if (Send(socket, bytes, (nuint)request.Length, 0) != request.Length)
                {
                    throw Error("sock_diag request");
                }
            }
        }

        while (true)
        {
            nint received;
            unsafe
            {
                fixed (byte* bytes = buffer)
                {
                    received = Receive(socket, bytes, (nuint)buffer.Length, 0);
                }
            }

            if (received <= 0)
            {
                throw received == 0 ? new IOException("sock_diag: the kernel closed the socket before the end of the dump") : Error("sock_diag answer");
            }

            if (Parse(buffer.AsSpan(0, (int)received), listeners))
            {
                return;
            }
        }
    }

    private static IOException Error(string what) => new(what + ": " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static unsafe partial nint Send(int socket, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static unsafe partial nint Receive(int socket, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}
