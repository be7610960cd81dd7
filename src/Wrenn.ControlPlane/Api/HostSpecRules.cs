using System.Text.RegularExpressions;
using Wrenn.ControlPlane.Api.Contracts;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// What an agent may say about its machine. The scheduler places sandboxes by these numbers, so a
/// host claiming a million CPUs would draw every team's sandboxes; each number must be plausible.
/// </summary>
public static partial class HostSpecRules
{
    public const int MaxCpus = 4096;

    /// <summary>64 MiB … 64 TiB.</summary>
    public const long MinMemoryMb = 64;

    public const long MaxMemoryMb = 64L * 1024 * 1024;

    /// <summary>Up to 1 PiB.</summary>
    public const long MaxDiskMb = 1024L * 1024 * 1024;

    public const int MaxRunningSandboxes = 100_000;

    public const int MaxPooledVcpus = 65_536;

    public const long MaxPooledMemoryMb = 64L * 1024 * 1024;

    /// <summary>Null when the specs are plausible (absent fields are fine: the last known value stays).</summary>
    public static string? Check(HostSpecs? specs) => specs switch
    {
        null => null,
        { Cpus: < 1 or > MaxCpus } => $"specs.cpus must be 1..{MaxCpus}",
        { MemoryMb: < MinMemoryMb or > MaxMemoryMb } => $"specs.memory_mb must be {MinMemoryMb}..{MaxMemoryMb}",
        { DiskMb: < 0 or > MaxDiskMb } => $"specs.disk_mb must be 0..{MaxDiskMb}",
        { Arch: { } arch } when !Label().IsMatch(arch) => "specs.arch must be 1-20 characters of a-z, 0-9, _ and -",
        { Runtime: { } runtime } when !Label().IsMatch(runtime) => "specs.runtime must be 1-20 characters of a-z, 0-9, _ and -",
        { AgentVersion.Length: > 64 } => "specs.agent_version must be at most 64 characters",
        _ => null,
    };

    public static string? CheckRunning(int? runningSandboxes) =>
        runningSandboxes is < 0 or > MaxRunningSandboxes ? $"running_sandboxes must be 0..{MaxRunningSandboxes}" : null;

    /// <summary>The warm pool's share of the host: never negative, never more than a host could have.</summary>
    public static string? CheckPooled(int? vcpus, long? memoryMb) =>
        vcpus is < 0 or > MaxPooledVcpus ? $"pooled_vcpus must be 0..{MaxPooledVcpus}"
        : memoryMb is < 0 or > MaxPooledMemoryMb ? $"pooled_memory_mb must be 0..{MaxPooledMemoryMb}"
        : null;

    [GeneratedRegex("^[a-z0-9_-]{1,20}$")]
    private static partial Regex Label();
}
