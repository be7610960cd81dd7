using System.Buffers.Binary;
using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Wrenn.Agent.Os;

/// <summary>
/// Attaches a file to a free loop device and mounts it, in-process: what <c>mount -o loop</c> does, without
/// starting mount(8) (which also probes the filesystem with libblkid). The device is attached with
/// autoclear, so it is released with the unmount, as mount(8) sets it. Needs LOOP_CONFIGURE (Linux 5.8);
/// <see cref="TryMount"/> returns false where the kernel lacks it, and the caller runs mount(8) instead.
/// </summary>
public static class LoopMount
{
    private const nuint LoopCtlGetFree = 0x4C82;
    private const nuint LoopConfigure = 0x4C0A;
    private const uint LoFlagsAutoclear = 4;

    /// <summary>sizeof(struct loop_config): fd, block_size, struct loop_info64 (232 bytes), 8 reserved u64s.</summary>
    private const int LoopConfigSize = 4 + 4 + 232 + 64;

    /// <summary>Offset of loop_config.info.lo_flags.</summary>
    private const int LoFlagsOffset = 8 + 52;

    private const int EBUSY = 16;
    private const int EINVAL = 22;
    private const int ENOTTY = 25;

    /// <summary>
    /// Mounts <paramref name="image"/> (a filesystem of <paramref name="fileSystemType"/>) at
    /// <paramref name="mountPoint"/> with <paramref name="flags"/>; false when this kernel cannot attach
    /// loop devices this way (nothing was changed then). Throws on any other failure, leaving nothing attached.
    /// </summary>
    public static bool TryMount(string image, string mountPoint, string fileSystemType, ulong flags)
    {
        using var control = File.OpenHandle("/dev/loop-control", FileMode.Open, FileAccess.ReadWrite);
        using var backing = File.OpenHandle(image, FileMode.Open, FileAccess.ReadWrite);
        for (var attempt = 0; ; attempt++)
        {
            var number = LibC.Ioctl((int)control.DangerousGetHandle(), LoopCtlGetFree, 0);
            if (number < 0)
            {
                throw new Win32Exception(Marshal.GetLastPInvokeError(), "no free loop device");
            }

            var device = "/dev/loop" + number.ToString(CultureInfo.InvariantCulture);
            using var loop = File.OpenHandle(device, FileMode.Open, FileAccess.ReadWrite);
            var config = new byte[LoopConfigSize];
            BinaryPrimitives.WriteUInt32LittleEndian(config.AsSpan(0), (uint)backing.DangerousGetHandle());
            BinaryPrimitives.WriteUInt32LittleEndian(config.AsSpan(LoFlagsOffset), LoFlagsAutoclear);
            if (LibC.Ioctl((int)loop.DangerousGetHandle(), LoopConfigure, config) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EBUSY && attempt < 10)
                {
                    // Someone else took the device between GET_FREE and now.
                    continue;
                }

                if (errno is EINVAL or ENOTTY && attempt == 0)
                {
                    return false;
                }

                throw new Win32Exception(errno, $"attaching {image} to {device}");
            }

            // Autoclear: if the mount fails, closing our descriptor (the last one) detaches the device; if it
            // succeeds, the mount holds the device until it is unmounted.
            if (LibC.Mount(device, mountPoint, fileSystemType, flags, null) != 0)
            {
                throw new Win32Exception(Marshal.GetLastPInvokeError(), $"mounting {device} ({image}) at {mountPoint}");
            }

            return true;
        }
    }
}
