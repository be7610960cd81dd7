using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Wrenn.ControlPlane.Web;

/// <summary>The certificate the API is served with over HTTPS, loaded and checked at start.</summary>
public static class ServerTls
{
    /// <summary>
    /// The certificate of WRENN_TLS_CERT with the key of WRENN_TLS_KEY, or null when neither is set.
    /// Throws <see cref="ArgumentException"/> (the start fails with its message) when only one is set,
    /// a file cannot be read, or the key is not the certificate's.
    /// </summary>
    public static X509Certificate2? Load(ControlPlaneOptions options)
    {
        var (certPath, keyPath) = (options.TlsCertPath, options.TlsKeyPath);
        if (certPath is null && keyPath is null)
        {
            return null;
        }

        if (certPath is null || keyPath is null)
        {
            throw new ArgumentException("WRENN_TLS_CERT and WRENN_TLS_KEY go together: set both (PEM files) for HTTPS, or neither for plain HTTP");
        }

        return LoadPair(certPath, keyPath, "WRENN_TLS_CERT", "WRENN_TLS_KEY");
    }

    /// <summary>Loads a PEM certificate with its key for Kestrel; <see cref="ArgumentException"/> names the settings when they do not load.</summary>
    public static X509Certificate2 LoadPair(string certPath, string keyPath, string certSetting, string keySetting)
    {
        foreach (var path in new[] { certPath, keyPath })
        {
            try
            {
                using var _ = File.OpenRead(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"cannot read {path}: {ex.Message}", ex);
            }
        }

        try
        {
            // CreateFromPemFile refuses a key that does not belong to the certificate.
            using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            // Kestrel wants a key it can use after the PEM's ephemeral one is gone.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
        }
        catch (CryptographicException ex)
        {
            throw new ArgumentException($"{certSetting} {certPath} with {keySetting} {keyPath}: {ex.Message} (is the key the certificate's, both PEM?)", ex);
        }
    }
}
