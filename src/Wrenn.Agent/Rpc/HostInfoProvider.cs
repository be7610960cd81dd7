using System.Globalization;
using System.Runtime.InteropServices;
using Wrenn.Agent.Registration;
using Wrenn.Common.HostAgent.V1;

namespace Wrenn.Agent.Rpc;

/// <summary>Describes this host: architecture, CPUs, memory, runtime and agent version.</summary>
public sealed class HostInfoProvider
{
    private static readonly string AgentVersion =
        typeof(HostInfoProvider).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    public HostInfo Describe(string runtimeName) => new()
    {
        Runtime = runtimeName,
        Arch = Arch,
        Cpus = (uint)Environment.ProcessorCount,
        MemoryMb = (ulong)MemoryMb(),
        AgentVersion = AgentVersion,
    };

    /// <summary>What registration and heartbeats report: the machine, and the disk under $WRENN_DIR.</summary>
    public HostSpecsMessage Specs(string runtimeName, string wrennDir) => new(
        Arch,
        Environment.ProcessorCount,
        MemoryMb(),
        Directory.Exists(wrennDir) ? new DriveInfo(wrennDir).TotalSize / (1024 * 1024) : 0,
        runtimeName,
        AgentVersion);

    private static string Arch => RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();

    /// <summary>The machine's memory (MemTotal), not what a cgroup around the agent allows it.</summary>
    private static long MemoryMb()
    {
        var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        var kib = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var value, ..] ? long.Parse(value, CultureInfo.InvariantCulture) : 0;
        return kib / 1024;
    }
}
