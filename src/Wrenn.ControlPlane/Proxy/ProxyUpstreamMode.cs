namespace Wrenn.ControlPlane.Proxy;

/// <summary>How the proxy reaches a sandbox's port.</summary>
public enum ProxyUpstreamMode
{
    /// <summary>
    /// Straight to the sandbox's address when its agent runs on this machine (the sandbox network is
    /// this machine's); sandboxes on other hosts are answered with 502 until traffic can go through their agent.
    /// </summary>
    Auto,

    /// <summary>Straight to the sandbox's address on every host: the operator routes each host's sandbox range (distinct ranges) to the control plane.</summary>
    Direct,
}
