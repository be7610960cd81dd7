namespace Wrenn.Agent.Runtimes.ProcView;

/// <summary>
/// What makes a container sandbox see its own size: the lxcfs files bound over its /proc and /sys ones
/// (empty when lxcfs is not there), the files the agent writes for it instead (<see cref="WrittenFiles"/>), and the
/// host CPUs it may run on (a cpuset list such as "0-1", or null for all).
/// </summary>
public sealed record SandboxView(IReadOnlyList<LxcfsFile> LxcfsFiles, string? Cpus, IReadOnlyList<WrittenViewFile> WrittenFiles)
{
    public static SandboxView None { get; } = new([], null, []);
}
