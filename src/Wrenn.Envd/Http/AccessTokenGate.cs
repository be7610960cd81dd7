using System.Security.Cryptography;
using System.Text;

namespace Wrenn.Envd.Http;

/// <summary>
/// Every call but GET /health must carry the current access token in X-Access-Token (compared in
/// constant time); /files also accepts a valid signature made with it. envd starts with the token the
/// host gave it (<see cref="StartupAccessToken"/>), and POST /init, which may replace it, needs it too:
/// without one, nothing but /health is served, so no first caller can claim envd. Anything else is 401.
/// </summary>
public sealed class AccessTokenGate(EnvdState state)
{
    public const string HeaderName = "X-Access-Token";

    /// <summary>Null when the request may go on, else the 401 to answer with.</summary>
    public IResult? Refusal(HttpContext http)
    {
        if (http.Request.Path == "/health")
        {
            return null;
        }

        if (state.AccessToken is not { } token)
        {
            return FileResults.Error(StatusCodes.Status401Unauthorized, "envd was started without an access token and serves nothing but /health");
        }

        if (Presented(http.Request, token) || FileSignature.IsValid(http.Request, token))
        {
            return null;
        }

        return FileResults.Error(StatusCodes.Status401Unauthorized, "unauthorized access, please provide a valid access token or method signing if supported");
    }

    private static bool Presented(HttpRequest request, string token)
    {
        var presented = request.Headers[HeaderName].ToString();
        return presented.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(token));
    }
}
