namespace Wrenn.Agent.Runtimes;

/// <summary>What a runtime can do, reported to the control plane and shown to users.</summary>
/// <param name="MemorySnapshots">True when pause and templates keep processes and memory, not only files.</param>
/// <param name="Isolation">The boundary between sandbox and host: "microvm", "vm" or "container".</param>
/// <param name="Templates">False while the runtime cannot make templates of its sandboxes.</param>
public sealed record RuntimeCapabilities(bool MemorySnapshots, string Isolation, bool Templates = true);
