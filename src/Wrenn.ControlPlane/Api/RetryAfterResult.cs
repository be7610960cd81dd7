using Microsoft.Extensions.Options;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// An answer that tells the client when to try again: <paramref name="inner"/> with a Retry-After of the
/// configured no-capacity wait (WRENN_SCHEDULING_RETRY_AFTER_SEC). Used for 503 no_capacity on both
/// faces, so clients (E2B's SDKs included) back off instead of retrying at once.
/// </summary>
public sealed class RetryAfterResult(IResult inner) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        var wait = httpContext.RequestServices.GetRequiredService<IOptions<ControlPlaneOptions>>().Value.Scheduling.NoCapacityRetryAfter;
        ApiResults.SetRetryAfter(httpContext, wait);
        return inner.ExecuteAsync(httpContext);
    }
}
