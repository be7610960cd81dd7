using Wrenn.Agent.Operations;
using Wrenn.Agent.Runtimes;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>A runtime that runs nothing and says it is a VM runtime (no host rootfs): enough for claim logic.</summary>
public sealed class FakeVmRuntime : IRuntime
{
    public string Name => "fake";

    /// <summary>A VM's by default; a test of a container's path (named from the host) sets a container's.</summary>
    public RuntimeCapabilities Capabilities { get; init; } = new(MemorySnapshots: true, Isolation: "vm", HostRootfs: false);

    public Task StartAsync(RuntimeSandbox sandbox, RollbackList rollback, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task PauseAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ResumeAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task WriteTemplateAsync(RuntimeSandbox sandbox, string directory, CancellationToken cancellationToken) => Task.CompletedTask;

    public string BootIdentity() => "fake";

    public Task<RuntimeUsage> GetUsageAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<Exception>> StopAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<Exception>>([]);

    public Task ReleaseHostResourcesAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ReleaseRemovedTemplatesAsync() => Task.CompletedTask;

    public string ReadConsoleTail(RuntimeSandbox sandbox) => string.Empty;

    public Task<bool> IsRunningAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task<bool> ExistsAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken) => Task.FromResult(true);
}
