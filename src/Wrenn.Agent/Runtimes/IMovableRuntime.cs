namespace Wrenn.Agent.Runtimes;

/// <summary>
/// A runtime whose pause writes a sandbox's memory and devices to disk (VMs), so that a paused sandbox
/// can move to another host as files and continue there where it stopped (Transfers/SandboxTransfers).
/// </summary>
public interface IMovableRuntime
{
    /// <summary>
    /// Copies into <paramref name="directory"/> everything the paused sandbox needs to continue on another
    /// host, free of this host's paths: a disk that stands on nothing of this host, the saved memory and
    /// device state, guest RAM, how it was booted and QEMU's arguments. The sandbox stays as it is.
    /// </summary>
    Task PackPausedAsync(RuntimeSandbox sandbox, string directory, CancellationToken cancellationToken);

    /// <summary>
    /// Moves what <see cref="PackPausedAsync"/> wrote on another host from <paramref name="directory"/> into
    /// place for <paramref name="sandbox"/> (its directory exists and is empty), with this host's paths, so a
    /// resume continues it. Throws <see cref="Vm.KernelNotFoundException"/> when this host lacks the kernel its
    /// memory holds. The caller removes what was moved when it fails (<see cref="IRuntime.StopAsync"/> and the directory).
    /// </summary>
    Task UnpackPausedAsync(RuntimeSandbox sandbox, string directory, CancellationToken cancellationToken);
}
