using Wrenn.Common.Errors;

namespace Wrenn.Agent.Storage;

/// <summary>
/// A write into a sandbox refused because the host's disk under it is (or would be) full. An
/// <see cref="IOException"/> carrying ENOSPC, so <see cref="DiskFull.Caused"/> and the gRPC mapping treat it
/// as any other full disk of the host: RESOURCE_EXHAUSTED with the storage trailer, 507 at the control plane.
/// </summary>
public sealed class HostDiskFullException : IOException
{
    public HostDiskFullException(string message, Exception? inner = null)
        : base(message, inner)
    {
        HResult = NoSpaceLeft.Errno;
    }
}
