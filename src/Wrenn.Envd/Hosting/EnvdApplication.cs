using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Wrenn.Envd.Http;

namespace Wrenn.Envd.Hosting;

/// <summary>
/// What Kestrel runs for each request, in place of ASP.NET Core's hosting layer and middleware pipeline:
/// CORS, then the access token, then the endpoint from <see cref="RouteTable"/>.
/// </summary>
public sealed class EnvdApplication(RouteTable routes, EnvdServices services) : IHttpApplication<HttpContext>
{
    private readonly AccessTokenGate _gate = new(services.State);
    private readonly TaskCompletionSource _firstAnswered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first request has been answered.</summary>
    public Task FirstAnswered => _firstAnswered.Task;

    public HttpContext CreateContext(IFeatureCollection contextFeatures) =>
        new DefaultHttpContext(contextFeatures) { RequestServices = services };

    public Task ProcessRequestAsync(HttpContext context)
    {
        if (AnyOriginCors.AnswerPreflight(context))
        {
            return Task.CompletedTask;
        }

        if (_gate.Refusal(context) is { } refusal)
        {
            return refusal.ExecuteAsync(context);
        }

        var handler = routes.Find(context.Request.Method, context.Request.Path.Value ?? "/", out var allowed);
        if (handler is not null)
        {
            return handler(context);
        }

        if (allowed is not null)
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = allowed;
        }
        else
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
        }

        return Task.CompletedTask;
    }

    public void DisposeContext(HttpContext context, Exception? exception) => _firstAnswered.TrySetResult();
}
