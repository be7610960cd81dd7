namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>Body of <c>PUT /vsock</c> (pre-boot only): a virtio-vsock device proxied to a host unix socket.</summary>
public sealed record VsockDevice(uint GuestCid, string UdsPath);
