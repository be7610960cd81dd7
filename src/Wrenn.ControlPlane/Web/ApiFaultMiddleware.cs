using System.Security.Cryptography;
using Wrenn.Common.Errors;

namespace Wrenn.ControlPlane.Web;

/// <summary>
/// The last line for exceptions no handler answered: a database that is down or busy becomes 503
/// <c>database_unavailable</c> with Retry-After, a full disk 507 <c>insufficient_storage</c>, anything else
/// 500 <c>internal</c>, each in the face's error envelope (E2B's routes get E2B's shape) with an error id,
/// never a stack trace or an empty body. The details go to the log under that id. A response already
/// under way cannot change its status: its connection is cut, so the client learns at once.
/// </summary>
public sealed class ApiFaultMiddleware(RequestDelegate next, ILogger<ApiFaultMiddleware> logger)
{
    /// <summary>How long a client should wait before retrying through a database outage.</summary>
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (BadHttpRequestException bad) when (!context.Response.HasStarted)
        {
            // A request Kestrel refused while it was read (a body over its limit, a malformed one): the
            // caller's mistake with its own status, as Kestrel would answer without this middleware.
            context.Response.Clear();
            await Api.ApiResults.WriteErrorAsync(context, bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? ErrorCodes.PayloadTooLarge : ErrorCodes.BadRequest, bad.Message).ConfigureAwait(false);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && context.RequestAborted.IsCancellationRequested))
        {
            var kind = DatabaseFaults.Classify(ex);
            var errorId = "err-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

            // This middleware is outside the one that holds the sandbox's scope (it must catch what that
            // one's neighbours throw), so the scope has ended by now: the failure line gets it again.
            using var scope = Telemetry.SandboxLogScopeMiddleware.SandboxIdOf(context) is { } sandboxId ? logger.BeginScope(new Wrenn.Telemetry.SandboxLogScope(sandboxId)) : null;
            if (kind == DatabaseFaultKind.None)
            {
                logger.RequestFailed(ex, context.Request.Method, context.Request.Path, errorId);
            }
            else
            {
                // Expected while the database is away: one line, no stack trace.
                logger.DatabaseFault(context.Request.Method, context.Request.Path, kind, ex.GetBaseException().Message, errorId);
            }

            if (context.Response.HasStarted)
            {
                context.Abort();
                return;
            }

            context.Response.Clear();
            var (status, code, message) = kind switch
            {
                DatabaseFaultKind.Unavailable => (StatusCodes.Status503ServiceUnavailable, ErrorCodes.DatabaseUnavailable, $"the database is not answering; try again in a few seconds (error id {errorId})"),
                DatabaseFaultKind.Full => (StatusCodes.Status507InsufficientStorage, ErrorCodes.InsufficientStorage, $"the disk holding the control plane's database is full; nothing was changed (error id {errorId})"),
                _ => (StatusCodes.Status500InternalServerError, ErrorCodes.Internal, $"internal error (error id {errorId}; the operator finds the details in the control plane log)"),
            };
            if (kind == DatabaseFaultKind.Unavailable)
            {
                Api.ApiResults.SetRetryAfter(context, RetryAfter);
            }

            if (IsE2bRoute(context.Request.Path))
            {
                await E2b.E2bResults.WriteErrorAsync(context, status, message).ConfigureAwait(false);
            }
            else
            {
                await Api.ApiResults.WriteErrorAsync(context, status, code, message).ConfigureAwait(false);
            }
        }
    }

    /// <summary>E2B's routes (E2b/) answer errors as <c>{"code", "message"}</c>; everything else in /v1's envelope.</summary>
    private static bool IsE2bRoute(PathString path) =>
        path.StartsWithSegments("/sandboxes", StringComparison.Ordinal)
        || path.StartsWithSegments("/v2/sandboxes", StringComparison.Ordinal)
        || path.StartsWithSegments("/snapshots", StringComparison.Ordinal)
        || path.StartsWithSegments("/templates", StringComparison.Ordinal);
}
