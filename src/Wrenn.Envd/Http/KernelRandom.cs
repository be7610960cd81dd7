using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Wrenn.Envd.Http;

/// <summary>
/// Feeds the guest kernel's random pool. VMs restored from one memory snapshot wake with one and the
/// same pool, so they would draw the same "random" bytes (keys, nonces, ASLR of new processes) until
/// their own noise diverged; /init brings fresh bytes from the host for every restore. Credited with
/// RNDADDENTROPY, then RNDRESEEDCRNG makes the kernel's generator reseed from the pool at once.
/// Needs CAP_SYS_ADMIN in the kernel's own namespace: a VM's envd has it, a container's does not
/// (and needs none: a container draws from the host kernel's generator).
/// </summary>
internal static partial class KernelRandom
{
    public const int MaxEntropyBytes = 512;

    /// <summary>_IOW('R', 0x03, int[2]) from linux/random.h.</summary>
    private const nuint RNDADDENTROPY = 0x40085203;

    /// <summary>_IO('R', 0x07).</summary>
    private const nuint RNDRESEEDCRNG = 0x5207;

    /// <summary>Adds <paramref name="entropy"/> to the pool, credited in full, and reseeds; throws <see cref="IOException"/> when the kernel refuses.</summary>
    public static unsafe void AddAndReseed(ReadOnlySpan<byte> entropy, string device = "/dev/random")
    {
        if (entropy.Length is 0 or > MaxEntropyBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(entropy), $"between 1 and {MaxEntropyBytes} bytes of entropy");
        }

        // struct rand_pool_info { int entropy_count (bits); int buf_size (bytes); __u32 buf[]; }
        var info = new byte[8 + ((entropy.Length + 3) / 4 * 4)];
        BinaryPrimitives.WriteInt32LittleEndian(info, entropy.Length * 8);
        BinaryPrimitives.WriteInt32LittleEndian(info.AsSpan(4), entropy.Length);
        entropy.CopyTo(info.AsSpan(8));
        using var random = File.OpenHandle(device, FileMode.Open, FileAccess.Write);
        var fd = (int)random.DangerousGetHandle();
        fixed (byte* pool = info)
        {
            if (Ioctl(fd, RNDADDENTROPY, pool) != 0)
            {
                throw new IOException("RNDADDENTROPY: " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));
            }
        }

        if (Ioctl(fd, RNDRESEEDCRNG, null) != 0)
        {
            throw new IOException("RNDRESEEDCRNG: " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));
        }

        System.Security.Cryptography.CryptographicOperations.ZeroMemory(info);
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int Ioctl(int fd, nuint request, byte* argument);
}
