using System.Security.Cryptography.X509Certificates;

namespace Wrenn.Agent;

/// <summary>The agent's TLS server certificate and the authority the control plane's client certificate must chain to.</summary>
public sealed record AgentTlsMaterial(X509Certificate2 Certificate, X509Certificate2Collection ClientAuthority);
