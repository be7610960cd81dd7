namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// The request bodies of the Firecracker API calls the fake models, written out from Firecracker's
/// swagger (src/firecracker/swagger/firecracker.yaml, 1.13 and later) independently of the client's
/// records, so that a field the client misnames or mistypes is caught rather than mirrored.
/// </summary>
public static class FirecrackerApiContract
{
    private static readonly JsonObjectSchema TokenBucket = new(new Dictionary<string, JsonField>
    {
        ["size"] = JsonField.Int(required: true),
        ["one_time_burst"] = JsonField.Int(),
        ["refill_time"] = JsonField.Int(required: true),
    });

    private static readonly JsonObjectSchema RateLimiter = new(new Dictionary<string, JsonField>
    {
        ["bandwidth"] = JsonField.Obj(TokenBucket),
        ["ops"] = JsonField.Obj(TokenBucket),
    });

    public static readonly JsonObjectSchema BootSource = new(new Dictionary<string, JsonField>
    {
        ["kernel_image_path"] = JsonField.Str(required: true),
        ["boot_args"] = JsonField.Str(),
        ["initrd_path"] = JsonField.Str(),
    });

    /// <summary>
    /// Drive. path_on_host and is_read_only are required for virtio-block and must be left out for a
    /// vhost-user drive (socket); the fake checks that pairing after the shape.
    /// </summary>
    public static readonly JsonObjectSchema Drive = new(new Dictionary<string, JsonField>
    {
        ["drive_id"] = JsonField.Str(required: true),
        ["partuuid"] = JsonField.Str(),
        ["is_root_device"] = JsonField.Bool(required: true),
        ["cache_type"] = JsonField.OneOf(false, "Unsafe", "Writeback"),
        ["is_read_only"] = JsonField.Bool(),
        ["path_on_host"] = JsonField.Str(),
        ["rate_limiter"] = JsonField.Obj(RateLimiter),
        ["io_engine"] = JsonField.OneOf(false, "Sync", "Async"),
        ["socket"] = JsonField.Str(),
    });

    public static readonly JsonObjectSchema NetworkInterface = new(new Dictionary<string, JsonField>
    {
        ["iface_id"] = JsonField.Str(required: true),
        ["host_dev_name"] = JsonField.Str(required: true),
        ["guest_mac"] = JsonField.Str(),
        ["mtu"] = JsonField.Int(min: 68, max: 65535),
        ["rx_rate_limiter"] = JsonField.Obj(RateLimiter),
        ["tx_rate_limiter"] = JsonField.Obj(RateLimiter),
    });

    public static readonly JsonObjectSchema MachineConfiguration = new(new Dictionary<string, JsonField>
    {
        ["vcpu_count"] = JsonField.Int(required: true, min: 1, max: 32),
        ["mem_size_mib"] = JsonField.Int(required: true),
        ["smt"] = JsonField.Bool(),
        ["track_dirty_pages"] = JsonField.Bool(),
        ["cpu_template"] = JsonField.OneOf(false, "C3", "T2", "T2S", "T2CL", "T2A", "V1N1", "None"),
        ["huge_pages"] = JsonField.OneOf(false, "None", "Transparent", "2M"),
    });

    public static readonly JsonObjectSchema InstanceActionInfo = new(new Dictionary<string, JsonField>
    {
        ["action_type"] = JsonField.OneOf(true, "FlushMetrics", "InstanceStart", "SendCtrlAltDel"),
    });

    public static readonly JsonObjectSchema Vm = new(new Dictionary<string, JsonField>
    {
        ["state"] = JsonField.OneOf(true, "Paused", "Resumed"),
    });

    public static readonly JsonObjectSchema SnapshotCreateParams = new(new Dictionary<string, JsonField>
    {
        ["mem_file_path"] = JsonField.Str(required: true),
        ["snapshot_path"] = JsonField.Str(required: true),
        ["snapshot_type"] = JsonField.OneOf(false, "Full", "Diff"),
    });

    private static readonly JsonObjectSchema MemoryBackend = new(new Dictionary<string, JsonField>
    {
        ["backend_type"] = JsonField.OneOf(true, "File", "Uffd"),
        ["backend_path"] = JsonField.Str(required: true),
    });

    private static readonly JsonObjectSchema NetworkOverride = new(new Dictionary<string, JsonField>
    {
        ["iface_id"] = JsonField.Str(required: true),
        ["host_dev_name"] = JsonField.Str(required: true),
    });

    private static readonly JsonObjectSchema VsockOverride = new(new Dictionary<string, JsonField>
    {
        ["uds_path"] = JsonField.Str(required: true),
    });

    /// <summary>Snapshot load. Exactly one of mem_backend and mem_file_path; the fake checks that after the shape.</summary>
    public static readonly JsonObjectSchema SnapshotLoadParams = new(new Dictionary<string, JsonField>
    {
        ["snapshot_path"] = JsonField.Str(required: true),
        ["mem_file_path"] = JsonField.Str(),
        ["mem_backend"] = JsonField.Obj(MemoryBackend),
        ["enable_diff_snapshots"] = JsonField.Bool(),
        ["track_dirty_pages"] = JsonField.Bool(),
        ["resume_vm"] = JsonField.Bool(),
        ["network_overrides"] = new JsonField(JsonFieldKind.ObjectArray, Object: NetworkOverride),
        ["vsock_override"] = JsonField.Obj(VsockOverride),
        ["clock_realtime"] = JsonField.Bool(),
        ["huge_pages"] = JsonField.OneOf(false, "Snapshot", "None", "Transparent", "2M"),
    });

    public static readonly JsonObjectSchema Logger = new(new Dictionary<string, JsonField>
    {
        ["level"] = new JsonField(JsonFieldKind.String, Enum: ["Error", "Warning", "Info", "Debug", "Trace", "Off"], EnumIgnoresCase: true),
        ["log_path"] = JsonField.Str(),
        ["show_level"] = JsonField.Bool(),
        ["show_log_origin"] = JsonField.Bool(),
        ["module"] = JsonField.Str(),
    });

    public static readonly JsonObjectSchema Metrics = new(new Dictionary<string, JsonField>
    {
        ["metrics_path"] = JsonField.Str(required: true),
        ["emit_id"] = JsonField.Bool(),
        ["properties"] = new JsonField(JsonFieldKind.StringMap),
    });

    public static readonly JsonObjectSchema EntropyDevice = new(new Dictionary<string, JsonField>
    {
        ["rate_limiter"] = JsonField.Obj(RateLimiter),
    });

    public static readonly JsonObjectSchema Vsock = new(new Dictionary<string, JsonField>
    {
        ["guest_cid"] = JsonField.Int(required: true, min: 3),
        ["uds_path"] = JsonField.Str(required: true),
        ["vsock_id"] = JsonField.Str(),
    });
}
