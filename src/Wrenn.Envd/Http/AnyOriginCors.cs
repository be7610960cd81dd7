using Microsoft.Net.Http.Headers;

namespace Wrenn.Envd.Http;

/// <summary>
/// Browser clients (E2B's JS SDK in a page) call envd directly; it answers any origin, as E2B's envd
/// does. The headers are those ASP.NET Core's CORS middleware wrote for envd's policy (any origin, any
/// header, these methods, a 2-hour preflight cache), without its services and options.
/// </summary>
public static class AnyOriginCors
{
    public const string AllowedMethods = "HEAD,GET,POST,PUT,PATCH,DELETE";
    public const string PreflightMaxAgeSeconds = "7200";

    /// <summary>
    /// Applies CORS to a request: a preflight is answered (204) and true is returned; any other request
    /// from an origin is told any origin may read the answer. A request without Origin is left alone.
    /// </summary>
    public static bool AnswerPreflight(HttpContext http)
    {
        var headers = http.Request.Headers;
        if (!headers.ContainsKey(HeaderNames.Origin))
        {
            return false;
        }

        var response = http.Response.Headers;
        response.AccessControlAllowOrigin = "*";
        if (!HttpMethods.IsOptions(http.Request.Method) || !headers.ContainsKey(HeaderNames.AccessControlRequestMethod))
        {
            return false;
        }

        var requested = headers.GetCommaSeparatedValues(HeaderNames.AccessControlRequestHeaders);
        if (requested.Length > 0)
        {
            response.AccessControlAllowHeaders = string.Join(",", requested);
        }

        response.AccessControlAllowMethods = AllowedMethods;
        response.AccessControlMaxAge = PreflightMaxAgeSeconds;
        http.Response.StatusCode = StatusCodes.Status204NoContent;
        return true;
    }
}
