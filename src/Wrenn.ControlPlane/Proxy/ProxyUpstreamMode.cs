namespace Wrenn.ControlPlane.Proxy;

/// <summary>How the proxy reaches a sandbox's port.</summary>
public enum ProxyUpstreamMode
{
    /// <summary>
    /// Straight to the sandbox's address when its agent runs on this machine (the sandbox network is
    /// this machine's); through the agent (OpenPort) for sandboxes on other hosts.
    /// </summary>
    Auto,

    /// <summary>Straight to the sandbox's address on every host: the operator routes each host's sandbox range (distinct ranges) to the control plane.</summary>
    Direct,

    /// <summary>Through the sandbox's agent for every sandbox, local ones included (the control plane never touches sandbox networks).</summary>
    Agent,
}
