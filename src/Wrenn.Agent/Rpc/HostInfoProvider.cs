using System.Runtime.InteropServices;
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
        Arch = RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
        Cpus = (uint)Environment.ProcessorCount,
        MemoryMb = (ulong)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024)),
        AgentVersion = AgentVersion,
    };
}
