using System.Text.Json;
using Wrenn.Agent.Runtimes.Firecracker.Api;

namespace Wrenn.Agent.Tests.Runtimes.Firecracker.Api;

/// <summary>The client's request bodies byte for byte, and each checked against the swagger shapes.</summary>
public sealed class FirecrackerJsonTests
{
    public static TheoryData<string, string, string> Bodies()
    {
        var context = FirecrackerJsonContext.Default;
        return new()
        {
            {
                nameof(BootSource),
                JsonSerializer.Serialize(new BootSource("/k/vmlinux", "console=ttyS0", "/k/initrd"), context.BootSource),
                """{"kernel_image_path":"/k/vmlinux","boot_args":"console=ttyS0","initrd_path":"/k/initrd"}"""
            },
            {
                nameof(BootSource) + " without optionals",
                JsonSerializer.Serialize(new BootSource("/k/vmlinux"), context.BootSource),
                """{"kernel_image_path":"/k/vmlinux"}"""
            },
            {
                nameof(Drive),
                JsonSerializer.Serialize(new Drive("rootfs", "/dev/mapper/wrenn-x", true, false, DriveCacheType.Writeback), context.Drive),
                """{"drive_id":"rootfs","path_on_host":"/dev/mapper/wrenn-x","is_root_device":true,"is_read_only":false,"cache_type":"Writeback"}"""
            },
            {
                nameof(NetworkInterface),
                JsonSerializer.Serialize(new NetworkInterface("eth0", "tap0", "06:00:0a:00:00:02"), context.NetworkInterface),
                """{"iface_id":"eth0","host_dev_name":"tap0","guest_mac":"06:00:0a:00:00:02"}"""
            },
            {
                nameof(MachineConfiguration),
                JsonSerializer.Serialize(new MachineConfiguration(2, 512, TrackDirtyPages: true), context.MachineConfiguration),
                """{"vcpu_count":2,"mem_size_mib":512,"track_dirty_pages":true}"""
            },
            {
                nameof(InstanceActionInfo),
                JsonSerializer.Serialize(new InstanceActionInfo(InstanceActionType.SendCtrlAltDel), context.InstanceActionInfo),
                """{"action_type":"SendCtrlAltDel"}"""
            },
            {
                nameof(VmStateUpdate),
                JsonSerializer.Serialize(new VmStateUpdate(VmState.Resumed), context.VmStateUpdate),
                """{"state":"Resumed"}"""
            },
            {
                nameof(SnapshotCreateParams),
                JsonSerializer.Serialize(new SnapshotCreateParams(SnapshotType.Diff, "/s/state", "/s/mem"), context.SnapshotCreateParams),
                """{"snapshot_type":"Diff","snapshot_path":"/s/state","mem_file_path":"/s/mem"}"""
            },
            {
                nameof(SnapshotLoadParams),
                JsonSerializer.Serialize(new SnapshotLoadParams("/s/state", new MemoryBackend(MemoryBackendType.File, "/s/mem"), TrackDirtyPages: true, ResumeVm: true), context.SnapshotLoadParams),
                """{"snapshot_path":"/s/state","mem_backend":{"backend_type":"File","backend_path":"/s/mem"},"track_dirty_pages":true,"resume_vm":true}"""
            },
            {
                nameof(SnapshotLoadParams) + " for Firecracker before 1.13",
                JsonSerializer.Serialize(new SnapshotLoadParams("/s/state", new MemoryBackend(MemoryBackendType.Uffd, "/s/uffd.sock"), EnableDiffSnapshots: true), context.SnapshotLoadParams),
                """{"snapshot_path":"/s/state","mem_backend":{"backend_type":"Uffd","backend_path":"/s/uffd.sock"},"resume_vm":false,"enable_diff_snapshots":true}"""
            },
            {
                nameof(LoggerConfig),
                JsonSerializer.Serialize(new LoggerConfig("/l", FirecrackerLogLevel.Debug, ShowLevel: true, ShowLogOrigin: false), context.LoggerConfig),
                """{"log_path":"/l","level":"Debug","show_level":true,"show_log_origin":false}"""
            },
            {
                nameof(MetricsConfig),
                JsonSerializer.Serialize(new MetricsConfig("/m"), context.MetricsConfig),
                """{"metrics_path":"/m"}"""
            },
            {
                nameof(EntropyDevice),
                JsonSerializer.Serialize(new EntropyDevice(), context.EntropyDevice),
                "{}"
            },
            {
                nameof(VsockDevice),
                JsonSerializer.Serialize(new VsockDevice(3, "/v.sock"), context.VsockDevice),
                """{"guest_cid":3,"uds_path":"/v.sock"}"""
            },
        };
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Serializes_each_body_with_the_swagger_field_names(string name, string actual, string expected)
    {
        Assert.True(expected == actual, $"{name}: expected {expected}, got {actual}");
        var schema = name.Split(' ')[0] switch
        {
            nameof(BootSource) => FirecrackerApiContract.BootSource,
            nameof(Drive) => FirecrackerApiContract.Drive,
            nameof(NetworkInterface) => FirecrackerApiContract.NetworkInterface,
            nameof(MachineConfiguration) => FirecrackerApiContract.MachineConfiguration,
            nameof(InstanceActionInfo) => FirecrackerApiContract.InstanceActionInfo,
            nameof(VmStateUpdate) => FirecrackerApiContract.Vm,
            nameof(SnapshotCreateParams) => FirecrackerApiContract.SnapshotCreateParams,
            nameof(SnapshotLoadParams) => FirecrackerApiContract.SnapshotLoadParams,
            nameof(LoggerConfig) => FirecrackerApiContract.Logger,
            nameof(MetricsConfig) => FirecrackerApiContract.Metrics,
            nameof(EntropyDevice) => FirecrackerApiContract.EntropyDevice,
            nameof(VsockDevice) => FirecrackerApiContract.Vsock,
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no schema"),
        };
        using var document = JsonDocument.Parse(actual);
        Assert.Null(schema.Validate(document.RootElement));
    }

    [Fact]
    public void Reads_the_instance_info_including_the_not_started_state()
    {
        var info = JsonSerializer.Deserialize(
            """{"id":"vm1","state":"Not started","vmm_version":"1.13.1","app_name":"Firecracker"}""",
            FirecrackerJsonContext.Default.InstanceInfo);

        Assert.Equal(new InstanceInfo("vm1", InstanceState.NotStarted, "1.13.1", "Firecracker"), info);
    }
}
