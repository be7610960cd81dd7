namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>The <c>mem_backend</c> of <c>PUT /snapshot/load</c>: a memory file, or the socket of a userfaultfd handler.</summary>
public sealed record MemoryBackend(MemoryBackendType BackendType, string BackendPath);
