namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>
/// Body of <c>PUT /entropy</c> (pre-boot only): a virtio-rng device, so that a guest restored from a
/// snapshot can reseed instead of repeating its random state. No rate limiter: the body is empty.
/// </summary>
public sealed record EntropyDevice;
