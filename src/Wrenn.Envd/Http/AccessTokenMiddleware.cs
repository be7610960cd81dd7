using System.Security.Cryptography;
using System.Text;

namespace Wrenn.Envd.Http;

/// <summary>
/// Once /init set an access token, every call but GET /health must carry it in X-Access-Token
/// (compared in constant time), or a valid file signature on /files; anything else is 401.
/// </summary>
public sealed class AccessTokenMiddleware(RequestDelegate next, EnvdState state)
{
    public const string HeaderName = "X-Access-Token";

    public Task InvokeAsync(HttpContext http)
    {
        var token = state.AccessToken;
        if (token is null || http.Request.Path == "/health" || Presented(http.Request, token) || FileSignature.IsValid(http.Request, token))
        {
            return next(http);
        }

        return FileResults.Error(StatusCodes.Status401Unauthorized, $"missing or invalid {HeaderName}").ExecuteAsync(http);
    }

    private static bool Presented(HttpRequest request, string token)
    {
        var presented = request.Headers[HeaderName].ToString();
        return presented.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(token));
    }
}
