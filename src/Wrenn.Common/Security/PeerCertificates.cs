using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Wrenn.Common.Security;

/// <summary>
/// Mutual TLS between control plane and agents with certificates from PEM files: each side has its own
/// certificate and key and trusts exactly one certificate authority for the other side (not the
/// system's roots).
/// </summary>
public static class PeerCertificates
{
    /// <summary>A certificate with its private key; <see cref="CryptographicException"/> or IO errors when the files are not that.</summary>
    public static X509Certificate2 LoadPair(string certificatePath, string keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);

        // Exported and loaded again: a key that came from PEM is ephemeral, which TLS servers cannot use on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>The certificate authority (one or more PEM certificates) the other side's certificate must chain to.</summary>
    public static X509Certificate2Collection LoadAuthority(string path)
    {
        var authority = new X509Certificate2Collection();
        authority.ImportFromPemFile(path);
        return authority.Count > 0 ? authority : throw new CryptographicException($"{path} holds no PEM certificate");
    }

    /// <summary>True when <paramref name="certificate"/> chains to <paramref name="authority"/> and is valid now.</summary>
    public static bool IsIssuedBy(X509Certificate? certificate, X509Certificate2Collection authority)
    {
        switch (certificate)
        {
            case null:
                return false;
            case X509Certificate2 typed:
                return Chains(typed, authority);
            default:
                using (var converted = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()))
                {
                    return Chains(converted, authority);
                }
        }
    }

    /// <summary>
    /// The control plane's check of an agent's certificate: issued by the agents' authority and naming
    /// the host the control plane dialled (the only error the system check may report is the chain's,
    /// which <see cref="IsIssuedBy"/> decides instead).
    /// </summary>
    public static bool IsValidServer(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection authority) =>
        (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None && IsIssuedBy(certificate, authority);

    private static bool Chains(X509Certificate2 certificate, X509Certificate2Collection authority)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
