namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>Body of <c>PUT /network-interfaces/{iface_id}</c> (pre-boot only): a virtio-net device on a host TAP.</summary>
public sealed record NetworkInterface(string IfaceId, string HostDevName, string? GuestMac = null);
