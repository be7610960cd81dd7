namespace Wrenn.ControlPlane.Dashboard;

/// <summary>Response headers of every console page and file.</summary>
public static class DashboardHeaders
{
    /// <summary>
    /// Scripts only from our own files (Vite emits no inline script); styles may be inline because the
    /// terminal and chart libraries set them; the API and the terminal's WebSocket are on this origin.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static void Apply(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }
}
