namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>Everything a fresh Firecracker needs before <c>InstanceStart</c>; see <see cref="FirecrackerApiClient.ConfigureAndStartAsync"/>.</summary>
public sealed record FirecrackerVmConfig(
    BootSource BootSource,
    MachineConfiguration Machine,
    IReadOnlyList<Drive> Drives,
    IReadOnlyList<NetworkInterface> NetworkInterfaces,
    LoggerConfig? Logger = null,
    MetricsConfig? Metrics = null,
    VsockDevice? Vsock = null,
    EntropyDevice? Entropy = null);
