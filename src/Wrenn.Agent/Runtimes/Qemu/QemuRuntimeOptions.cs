namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>Settings of the QEMU runtime.</summary>
public sealed class QemuRuntimeOptions
{
    public string Binary { get; set; } = "qemu-system-x86_64";

    /// <summary>The most a VM's console.log (its serial console) holds before it is rotated to console.log.1 (the one older file kept).</summary>
    public long ConsoleLogBytes { get; set; } = ConsoleLog.DefaultCapBytes;

    /// <summary>
    /// microvm: no PCI bus, no firmware scan, virtio over MMIO; boots in seconds even without KVM. The
    /// PIT and PIC stay on because under TCG the kernel needs them to calibrate its clock.
    /// </summary>
    public string Machine { get; set; } = "microvm,x-option-roms=off,rtc=on,isa-serial=on,pit=on,pic=on";

    /// <summary>How long boot may take before envd must answer is the sandbox manager's; this bounds QEMU's own start (QMP socket).</summary>
    public TimeSpan ProcessStartTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// One host user every QEMU runs as (WRENN_QEMU_USER): "uid:gid", a uid, or a user name from
    /// /etc/passwd. Unset (the default), each VM gets its own uid and gid from <see cref="FirstVmId"/>.
    /// Never root, never one of the container sandboxes' ids.
    /// </summary>
    public string? User { get; set; }

    /// <summary>
    /// The first of the ids VMs get one each of (uid = gid). Far above what distributions hand out to
    /// users (Debian: below 60000) and to subordinate ids (100000 up to 600100000), so it needs no set-up.
    /// </summary>
    public uint FirstVmId { get; set; } = 2_000_000_000;

    /// <summary>How many VM ids there are: at most this many QEMU sandboxes (running or paused) per host.</summary>
    public uint VmIdCount { get; set; } = 65_536;

    /// <summary>The cgroup parent each VM's own cgroup (limits: memory and CPU) is made under.</summary>
    public string CgroupParent { get; set; } = "/wrenn-qemu";

    /// <summary>
    /// Memory QEMU may use beyond the guest's (its own code and device emulation, under software
    /// emulation the translated code cache, page cache of the files it reads): the VM's cgroup limit
    /// is guest memory plus this.
    /// </summary>
    public long MemoryOverheadMb { get; set; } = 384;

    /// <summary>
    /// Under software emulation, the translated code cache (<c>-accel tcg,tb-size=</c>). QEMU's own
    /// default is 1 GiB, which a busy guest fills over time: QEMU then outgrew its cgroup and was
    /// OOM-killed. It must stay well below <see cref="MemoryOverheadMb"/>.
    /// </summary>
    public long TcgTranslationCacheMb { get; set; } = 128;

    /// <summary>How long writing the memory file on pause may take.</summary>
    public TimeSpan SnapshotTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A QEMU made ahead per VM template (WRENN_QEMU_PREPARED, on by default): see <see cref="PreparedVmms"/>.
    /// Each costs what an idle QEMU holds (its own memory, not the template's RAM, which clones share).
    /// </summary>
    public bool PrepareVmms { get; set; } = true;

    /// <summary>How long a prepared VMM nobody takes is kept.</summary>
    public TimeSpan PreparedVmmIdle { get; set; } = TimeSpan.FromMinutes(10);
}
