namespace Wrenn.Agent.Storage.Cow;

/// <summary>Settings of the copy-on-write root disks of VM sandboxes.</summary>
public sealed class RootfsCowOptions
{
    /// <summary>False skips device-mapper even where it works (the copy fallback is then used).</summary>
    public bool UseDeviceMapper { get; set; } = true;

    /// <summary>Present when the kernel has device-mapper and /dev is populated.</summary>
    public string DeviceMapperControl { get; set; } = "/dev/mapper/control";

    public string Dmsetup { get; set; } = "dmsetup";

    public string Losetup { get; set; } = "losetup";

    public string Cp { get; set; } = "cp";

    /// <summary>
    /// Every device-mapper device Wrenn makes is named this plus the sandbox id, so that leftovers of a
    /// crashed agent can be told apart from the host's own devices and removed.
    /// </summary>
    public string DevicePrefix { get; set; } = "wrenn-";

    /// <summary>Snapshot chunk size in 512-byte sectors: 8 = 4 KiB, the guest's page and block size, so a small write copies little.</summary>
    public int ChunkSectors { get; set; } = 8;

    /// <summary>How many times <c>dmsetup remove</c> is retried while the device is still busy (a VM process closing it).</summary>
    public int RemoveRetryAttempts { get; set; } = 6;

    /// <summary>First wait before retrying a busy remove; doubles each time (100 ms … 3.2 s with the defaults).</summary>
    public TimeSpan RemoveRetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public RootfsCopyMode CopyMode { get; set; } = RootfsCopyMode.Auto;
}
