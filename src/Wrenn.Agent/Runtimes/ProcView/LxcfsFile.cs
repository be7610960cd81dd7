namespace Wrenn.Agent.Runtimes.ProcView;

/// <summary>One lxcfs file (<paramref name="Source"/>, on the host) bound read-only over <paramref name="Destination"/> in a sandbox.</summary>
public sealed record LxcfsFile(string Source, string Destination);
