namespace Wrenn.Agent.Runtimes.ProcView;

/// <summary>Picks the host CPUs a new sandbox runs on.</summary>
public interface ICpuSetAllocator
{
    /// <summary>A cpuset list of <paramref name="vcpus"/> CPUs, the least used first; null when the sandbox gets them all anyway.</summary>
    string? Choose(string sandboxId, int vcpus);
}
