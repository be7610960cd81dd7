using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Wrenn.Common.Configuration;
using Wrenn.Common.Security;

namespace Wrenn.Agent;

/// <summary>
/// Mutual TLS on the agent's gRPC port: the agent shows its certificate and takes only calls whose
/// client certificate chains to the configured authority (the control plane's). Without it, gRPC is
/// plaintext and the port should stay on loopback (the default).
/// </summary>
public static class AgentTls
{
    /// <summary>The configured material, or null when none is configured.</summary>
    /// <exception cref="InvalidOperationException">Only part is configured, or a file does not load.</exception>
    public static AgentTlsMaterial? Load(AgentOptions options)
    {
        string?[] paths = [options.TlsCertificatePath, options.TlsKeyPath, options.TlsClientCaPath];
        if (paths.All(p => p is null))
        {
            return null;
        }

        if (paths.Any(p => p is null))
        {
            throw new InvalidOperationException(
                $"mutual TLS needs all of {WrennEnvironment.AgentTlsCertificate}, {WrennEnvironment.AgentTlsKey} and {WrennEnvironment.AgentTlsClientCa}");
        }

        try
        {
            return new AgentTlsMaterial(
                PeerCertificates.LoadPair(options.TlsCertificatePath!, options.TlsKeyPath!),
                PeerCertificates.LoadAuthority(options.TlsClientCaPath!));
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"TLS files do not load: {ex.Message}", ex);
        }
    }

    /// <summary>Makes an https endpoint demand a client certificate from <paramref name="material"/>'s authority.</summary>
    public static void Apply(HttpsConnectionAdapterOptions https, AgentTlsMaterial material)
    {
        https.ServerCertificate = material.Certificate;
        https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
        https.ClientCertificateValidation = (certificate, _, _) => PeerCertificates.IsIssuedBy(certificate, material.ClientAuthority);
    }

    /// <summary>True when only this machine can reach <paramref name="listen"/>.</summary>
    public static bool IsLoopback(ListenAddress listen) =>
        listen.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(listen.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
