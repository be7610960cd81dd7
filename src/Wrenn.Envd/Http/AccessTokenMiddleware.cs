using System.Security.Cryptography;
using System.Text;

namespace Wrenn.Envd.Http;

/// <summary>
/// Once /init set an access token, every call must carry it in X-Access-Token (compared in constant
/// time), except GET /health, POST /init (which checks the token in its body) and /files (which also
/// accepts a valid signature); anything else is 401.
/// </summary>
public sealed class AccessTokenMiddleware(RequestDelegate next, EnvdState state)
{
    public const string HeaderName = "X-Access-Token";

    public Task InvokeAsync(HttpContext http)
    {
        var token = state.AccessToken;
        if (token is null || http.Request.Path == "/health" || http.Request.Path == "/init" || Presented(http.Request, token) || FileSignature.IsValid(http.Request, token))
        {
            return next(http);
        }

        return FileResults.Error(StatusCodes.Status401Unauthorized, "unauthorized access, please provide a valid access token or method signing if supported").ExecuteAsync(http);
    }

    private static bool Presented(HttpRequest request, string token)
    {
        var presented = request.Headers[HeaderName].ToString();
        return presented.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(token));
    }
}
