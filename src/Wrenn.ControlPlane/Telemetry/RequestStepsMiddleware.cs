namespace Wrenn.ControlPlane.Telemetry;

/// <summary>
/// With debug logging on for this category, times each request by the steps its work marks
/// (<see cref="RequestSteps"/>) and logs one line per request: where an exec, pause or resume spends its
/// time. Off (the default), it costs a level check per request.
/// </summary>
public sealed class RequestStepsMiddleware(RequestDelegate next, ILogger<RequestStepsMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!logger.IsEnabled(LogLevel.Debug))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var steps = context.RequestServices.GetRequiredService<RequestSteps>();
        steps.Start();
        await next(context).ConfigureAwait(false);
        logger.RequestTimed(context.Request.Method, context.Request.Path.Value ?? string.Empty, context.Response.StatusCode, steps.TotalMs.ToString("F2", System.Globalization.CultureInfo.InvariantCulture), steps.Format());
    }

    /// <summary>Marks the end of authentication and authorization (placed after them in the pipeline).</summary>
    public static Task MarkAuthenticated(HttpContext context, RequestDelegate next)
    {
        context.RequestServices.GetRequiredService<RequestSteps>().Mark("auth");
        return next(context);
    }
}
