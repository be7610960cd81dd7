namespace Wrenn.Agent.Runtimes.Vm;

/// <summary>The host has no guest kernel for its VM runtime: `wrenn image kernel` installs one.</summary>
public sealed class KernelNotFoundException(string message) : Exception(message);
