namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>Where a restored microVM's memory comes from.</summary>
public enum MemoryBackendType
{
    /// <summary>Firecracker maps the memory file itself.</summary>
    File,

    /// <summary>
    /// Firecracker connects to a unix socket, hands over a userfaultfd and the memory layout, and a
    /// separate page-fault handler serves pages as the guest touches them (lazy restore).
    /// </summary>
    Uffd,
}
