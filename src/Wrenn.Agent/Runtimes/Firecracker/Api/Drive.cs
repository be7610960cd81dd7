namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>
/// Body of <c>PUT /drives/{drive_id}</c> (pre-boot only): a virtio-block device backed by a host file or
/// block device. The id travels twice, in the path and in the body; Firecracker refuses a mismatch, so
/// the client takes both from here.
/// </summary>
public sealed record Drive(
    string DriveId,
    string PathOnHost,
    bool IsRootDevice,
    bool IsReadOnly,
    DriveCacheType? CacheType = null);
