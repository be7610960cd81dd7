using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>Drops the proxy's cached lookup of a sandbox that was just paused, resumed or killed.</summary>
public sealed class ProxyLookupInvalidation(ISandboxUpstreams upstreams) : ISandboxStateListener
{
    public void StateChanged(string sandboxId) => upstreams.Forget(sandboxId);
}
