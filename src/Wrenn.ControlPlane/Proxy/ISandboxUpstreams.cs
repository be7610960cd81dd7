namespace Wrenn.ControlPlane.Proxy;

/// <summary>Finds where a sandbox's ports are reached (waking it when it auto-resumes), briefly cached.</summary>
public interface ISandboxUpstreams
{
    ValueTask<UpstreamLookup> FindAsync(string sandboxId, CancellationToken cancellationToken);

    /// <summary>Drops what is cached for the sandbox: the last attempt to reach it failed, so the next one asks again.</summary>
    void Forget(string sandboxId);
}
