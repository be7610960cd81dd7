using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Wrenn.Envd.Http;

/// <summary>
/// Pre-signed /files URLs, as E2B's SDKs make them: <c>signature=v1_&lt;base64 SHA-256 of
/// "path:operation:user:token[:expiration]", without padding&gt;</c> and an optional
/// <c>signature_expiration</c> in Unix seconds. Operation is "read" for GET and "write" for POST.
/// </summary>
public static class FileSignature
{
    public static bool IsValid(HttpRequest request, string token)
    {
        if (request.Path != "/files")
        {
            return false;
        }

        var signature = request.Query["signature"].ToString();
        if (!signature.StartsWith("v1_", StringComparison.Ordinal))
        {
            return false;
        }

        var expirationText = request.Query["signature_expiration"].ToString();
        long? expiration = null;
        if (expirationText.Length > 0)
        {
            if (!long.TryParse(expirationText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds < DateTimeOffset.UtcNow.ToUnixTimeSeconds())
            {
                return false;
            }

            expiration = seconds;
        }

        var operation = HttpMethods.IsGet(request.Method) ? "read" : "write";
        var expected = Compute(request.Query["path"].ToString(), operation, request.Query["username"].ToString(), token, expiration);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(signature), Encoding.ASCII.GetBytes(expected));
    }

    public static string Compute(string path, string operation, string user, string token, long? expiration)
    {
        var raw = expiration is { } seconds
            ? $"{path}:{operation}:{user}:{token}:{seconds.ToString(CultureInfo.InvariantCulture)}"
            : $"{path}:{operation}:{user}:{token}";
        return "v1_" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(raw))).TrimEnd('=');
    }
}
