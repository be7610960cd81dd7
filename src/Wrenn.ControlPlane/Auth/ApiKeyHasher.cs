using System.Security.Cryptography;
using System.Text;

namespace Wrenn.ControlPlane.Auth;

/// <summary>
/// API keys carry 128 random bits, so a fast hash is enough: SHA-256, stored as lower-case hex. (Slow
/// hashes are for passwords, which people choose.)
/// </summary>
public static class ApiKeyHasher
{
    /// <summary>How much of the key lists show, to tell keys apart: "wrn_" and 4 hex digits.</summary>
    public const int PrefixLength = 8;

    public static string Hash(string apiKey) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));

    public static string Prefix(string apiKey) => apiKey[..Math.Min(PrefixLength, apiKey.Length)];
}
