using Wrenn.Common.Configuration;

namespace Wrenn.Agent;

/// <summary>The host agent's settings; environment variables and flags fill them in Program.</summary>
public sealed class AgentOptions
{
    /// <summary>$WRENN_DIR: images, sandboxes, snapshots, templates.</summary>
    public string WrennDir { get; set; } = WrennEnvironment.DefaultDir;

    /// <summary>Where the gRPC service listens ($WRENN_HOST_LISTEN_ADDR).</summary>
    public string ListenAddress { get; set; } = WrennEnvironment.DefaultHostListenAddress;

    /// <summary>Which runtime to drive ($WRENN_RUNTIME).</summary>
    public string Runtime { get; set; } = WrennEnvironment.DefaultRuntime;

    /// <summary>The bearer secret the control plane must present ($WRENN_AGENT_SECRET). Required.</summary>
    public string Secret { get; set; } = string.Empty;

    /// <summary>
    /// Destroy every sandbox when the agent stops. Until re-adoption after a restart exists this is the
    /// only safe choice, so it is on by default.
    /// </summary>
    public bool DestroySandboxesOnStop { get; set; } = true;

    public string ImagesDir => Path.Combine(WrennDir, "images");

    public string SandboxesDir => Path.Combine(WrennDir, "sandboxes");
}
