namespace Wrenn.Agent.Runtimes.Container;

/// <summary>Freezes and thaws every process of a container's cgroup; a seam so tests can make either fail.</summary>
public interface IContainerFreezer
{
    /// <summary>Freezes the cgroup at <paramref name="cgroupPath"/> (relative to the hierarchy root) and returns once the kernel reports it frozen.</summary>
    Task FreezeAsync(string cgroupPath, CancellationToken cancellationToken);

    /// <summary>Thaws the cgroup and returns once the kernel reports it thawed.</summary>
    Task ThawAsync(string cgroupPath, CancellationToken cancellationToken);
}
