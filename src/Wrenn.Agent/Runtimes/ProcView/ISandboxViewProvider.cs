namespace Wrenn.Agent.Runtimes.ProcView;

/// <summary>Gives each new container sandbox its <see cref="SandboxView"/>.</summary>
public interface ISandboxViewProvider
{
    Task<SandboxView> ForAsync(RuntimeSandbox sandbox, CancellationToken cancellationToken);
}
