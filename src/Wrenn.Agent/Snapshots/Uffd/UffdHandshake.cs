using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using Wrenn.Agent.Os;
using static Wrenn.Agent.Snapshots.Uffd.UffdNative;

namespace Wrenn.Agent.Snapshots.Uffd;

/// <summary>
/// What Firecracker sends a userfaultfd page server when it loads a snapshot with the Uffd memory
/// backend: one message on the backend's unix socket carrying the guest memory regions as JSON and
/// the userfaultfd itself as SCM_RIGHTS ancillary data. .NET sockets cannot receive descriptors, so
/// this reads with recvmsg(2).
/// </summary>
/// <param name="Regions">Guest memory regions, as Firecracker mapped them.</param>
/// <param name="Uffd">The userfaultfd registered over those regions; the receiver owns it.</param>
public sealed record UffdHandshake(IReadOnlyList<GuestRegionUffdMapping> Regions, UserfaultFd Uffd)
{
    /// <summary>Largest JSON accepted: a handful of regions is a few hundred bytes.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    /// <summary>Descriptors one message may carry before it is refused; Firecracker sends one.</summary>
    private const int MaxDescriptors = 8;

    /// <summary>
    /// Reads the handshake from <paramref name="socket"/> (a connected stream socket). Waits at most
    /// <paramref name="timeout"/>; the JSON may arrive in pieces, the descriptor with any of them.
    /// Exactly one descriptor must come; any other count closes what came and throws.
    /// </summary>
    public static unsafe UffdHandshake Receive(Socket socket, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var buffer = new byte[MaxMessageBytes];
        var length = 0;
        var descriptors = new List<int>();
        var added = false;
        var started = Stopwatch.StartNew();
        try
        {
            socket.SafeHandle.DangerousAddRef(ref added);
            var fd = (int)socket.SafeHandle.DangerousGetHandle();
            using var wait = new CancellableWait(cancellationToken);
            var control = stackalloc byte[(int)CmsgAlign((nuint)sizeof(CmsgHdr)) + (MaxDescriptors * sizeof(int))];
            while (true)
            {
                var remaining = timeout - started.Elapsed;
                if (remaining <= TimeSpan.Zero)
                {
                    throw new TimeoutException($"no complete userfaultfd handshake within {timeout} ({length} bytes received)");
                }

                if (wait.Wait(fd, (int)Math.Ceiling(remaining.TotalMilliseconds)) == 0)
                {
                    continue;
                }

                fixed (byte* data = &buffer[length])
                {
                    var iov = new IoVec { Base = data, Length = (nuint)(buffer.Length - length) };
                    var message = new MsgHdr
                    {
                        Iov = &iov,
                        IovLength = 1,
                        Control = control,
                        ControlLength = (nuint)(CmsgAlign((nuint)sizeof(CmsgHdr)) + (MaxDescriptors * sizeof(int))),
                    };
                    var received = RecvMsg(fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
                    if (received < 0)
                    {
                        var errno = Marshal.GetLastPInvokeError();
                        if (errno is EAGAIN or LibC.EINTR)
                        {
                            continue;
                        }

                        throw UserfaultFd.Error("recvmsg", errno);
                    }

                    CollectDescriptors(&message, descriptors);
                    if ((message.Flags & MSG_CTRUNC) != 0)
                    {
                        throw new InvalidDataException($"userfaultfd handshake carried more than {MaxDescriptors} descriptors");
                    }

                    if (received == 0)
                    {
                        throw new IOException($"the peer closed the socket after {length} bytes, before a complete handshake");
                    }

                    length += (int)received;
                }

                if (!IsCompleteJson(buffer.AsSpan(0, length)))
                {
                    if (length == buffer.Length)
                    {
                        throw new InvalidDataException($"userfaultfd handshake longer than {MaxMessageBytes} bytes");
                    }

                    continue;
                }

                List<GuestRegionUffdMapping>? regions;
                try
                {
                    regions = JsonSerializer.Deserialize(buffer.AsSpan(0, length), UffdJsonContext.Default.ListGuestRegionUffdMapping);
                }
                catch (JsonException e)
                {
                    throw new InvalidDataException($"userfaultfd handshake is not a list of regions: {e.Message}", e);
                }

                if (regions is null or [])
                {
                    throw new InvalidDataException("userfaultfd handshake names no memory regions");
                }

                if (descriptors.Count != 1)
                {
                    throw new InvalidDataException($"userfaultfd handshake carried {descriptors.Count} descriptors, expected 1");
                }

                var uffd = UserfaultFd.FromDescriptor(descriptors[0]);
                descriptors.Clear();
                return new UffdHandshake(regions, uffd);
            }
        }
        catch
        {
            // Descriptors nobody will own would leak, and a leaked userfaultfd keeps the guest's memory registered.
            foreach (var descriptor in descriptors)
            {
                LibC.Close(descriptor);
            }

            throw;
        }
        finally
        {
            if (added)
            {
                socket.SafeHandle.DangerousRelease();
            }
        }
    }

    private static unsafe void CollectDescriptors(MsgHdr* message, List<int> descriptors)
    {
        // CMSG_FIRSTHDR / CMSG_NXTHDR by hand: each header is followed by its data, padded to alignment.
        var headerLength = CmsgAlign((nuint)sizeof(CmsgHdr));
        var offset = (nuint)0;
        while (offset + (nuint)sizeof(CmsgHdr) <= message->ControlLength)
        {
            var header = (CmsgHdr*)((byte*)message->Control + offset);
            if (header->Length < (nuint)sizeof(CmsgHdr) || offset + header->Length > message->ControlLength)
            {
                break;
            }

            if (header->Level == SOL_SOCKET && header->Type == SCM_RIGHTS)
            {
                var count = (int)((header->Length - headerLength) / sizeof(int));
                var data = (int*)((byte*)header + headerLength);
                for (var i = 0; i < count; i++)
                {
                    descriptors.Add(data[i]);
                }
            }

            offset += CmsgAlign(header->Length);
        }
    }

    /// <summary>
    /// Whether the bytes so far hold one whole JSON value. Incomplete means read more; malformed
    /// throws now, because more bytes cannot repair it.
    /// </summary>
    private static bool IsCompleteJson(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock: false, state: default);
        try
        {
            return reader.Read() && reader.TrySkip();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"userfaultfd handshake is not JSON: {e.Message}", e);
        }
    }
}
