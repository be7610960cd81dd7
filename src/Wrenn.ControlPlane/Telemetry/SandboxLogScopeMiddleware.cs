using Wrenn.Telemetry;

namespace Wrenn.ControlPlane.Telemetry;

/// <summary>
/// Holds a <see cref="SandboxLogScope"/> around every request about one sandbox (<c>/v1/sandboxes/{id}/…</c>,
/// E2B's <c>{sandboxID}</c>), so each log line the request's work writes carries the sandbox id.
/// Runs after routing, when the route's values are known.
/// </summary>
public sealed class SandboxLogScopeMiddleware(RequestDelegate next, ILogger<SandboxLogScopeMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        using var scope = SandboxIdOf(context) is { } sandboxId ? logger.BeginScope(new SandboxLogScope(sandboxId)) : null;
        await next(context).ConfigureAwait(false);
    }

    internal static string? SandboxIdOf(HttpContext context)
    {
        var values = context.Request.RouteValues;
        if (values.TryGetValue("sandboxID", out var e2b) && e2b is string { Length: > 0 } e2bId)
        {
            return e2bId;
        }

        return context.Request.Path.StartsWithSegments("/v1/sandboxes", StringComparison.Ordinal)
            && values.TryGetValue("id", out var id) && id is string { Length: > 0 } sandboxId
                ? sandboxId
                : null;
    }
}
