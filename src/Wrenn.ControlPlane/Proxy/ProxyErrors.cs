using System.Text.Json;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>Writes the proxy's own answers (never a sandbox's): JSON <see cref="ProxyErrorBody"/>, not cached.</summary>
public static class ProxyErrors
{
    public static async Task WriteAsync(HttpContext context, int status, string message, SandboxRoute? route)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        var body = new ProxyErrorBody(status, message, route?.SandboxId, route?.Port);
        await JsonSerializer.SerializeAsync(context.Response.Body, body, ProxyJsonContext.Default.ProxyErrorBody, context.RequestAborted).ConfigureAwait(false);
    }
}
