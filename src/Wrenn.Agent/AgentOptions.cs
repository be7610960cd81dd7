using Wrenn.Common.Configuration;

namespace Wrenn.Agent;

/// <summary>The host agent's settings; environment variables and flags fill them in Program.</summary>
public sealed class AgentOptions
{
    /// <summary>$WRENN_DIR: images, sandboxes, snapshots, templates.</summary>
    public string WrennDir { get; set; } = WrennEnvironment.DefaultDir;

    /// <summary>Where the gRPC service listens ($WRENN_HOST_LISTEN_ADDR; loopback unless told otherwise).</summary>
    public string ListenAddress { get; set; } = WrennEnvironment.DefaultHostListenAddress;

    /// <summary>Which runtime to drive ($WRENN_RUNTIME).</summary>
    public string Runtime { get; set; } = WrennEnvironment.DefaultRuntime;

    /// <summary>The control plane's URL ($WRENN_CP_URL); needed to register, then kept in the credentials.</summary>
    public string? ControlPlaneUrl { get; set; }

    /// <summary>A one-hour token from POST /v1/hosts: register with it before serving.</summary>
    public string? RegistrationToken { get; set; }

    /// <summary>host:port at which the control plane reaches this agent; sent at registration and on heartbeats.</summary>
    public string? AdvertiseAddress { get; set; }

    /// <summary>
    /// Destroy every sandbox when the agent stops (`--destroy-on-stop`, what `wrenn up --ephemeral`
    /// asks for). Off by default: sandboxes belong to their users and outlive an agent restart, which
    /// adopts them again.
    /// </summary>
    public bool DestroySandboxesOnStop { get; set; }

    /// <summary>PEM server certificate for the gRPC port ($WRENN_AGENT_TLS_CERT); with the key and client CA, mutual TLS.</summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>Its private key, PEM ($WRENN_AGENT_TLS_KEY).</summary>
    public string? TlsKeyPath { get; set; }

    /// <summary>PEM authority the control plane's client certificate must chain to ($WRENN_AGENT_TLS_CLIENT_CA).</summary>
    public string? TlsClientCaPath { get; set; }

    /// <summary>Where everything lives under <see cref="WrennDir"/>.</summary>
    public Wrenn.Common.Configuration.WrennLayout Layout => new(WrennDir);

    public string ImagesDir => Layout.Images;

    public string SandboxesDir => Layout.Sandboxes;

    public string TemplatesDir => Layout.Templates;
}
