using System.Security.Cryptography;
using Grpc.Core;
using Wrenn.Common.Errors;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// Turns a failed agent call into the API's error envelope with the matching HTTP status. Statuses the
/// agent raises on purpose (bad input, not found, conflict, no capacity…) keep their message: it was
/// written for the caller. Everything else (internal failures, lost connections) may carry host paths,
/// tool output or addresses, so it is logged with an error id and the caller sees only that id.
/// </summary>
public static class AgentErrors
{
    private const string LoggerCategory = "Wrenn.ControlPlane.AgentErrors";

    public static IResult ToResult(RpcException exception) => new AgentErrorResult(exception);

    /// <summary>What the caller may see of <paramref name="exception"/>; logs the details of an unexpected one.</summary>
    public static AgentFailure Describe(RpcException exception, HttpContext http) =>
        Describe(exception, http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(LoggerCategory));

    public static AgentFailure Describe(RpcException exception, ILogger logger)
    {
        var detail = exception.Status.Detail;
        return exception.StatusCode switch
        {
            StatusCode.InvalidArgument or StatusCode.OutOfRange => new(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, detail),
            StatusCode.NotFound => new(StatusCodes.Status404NotFound, ErrorCodes.NotFound, detail),
            StatusCode.FailedPrecondition or StatusCode.AlreadyExists => new(StatusCodes.Status409Conflict, ErrorCodes.Conflict, detail),
            StatusCode.PermissionDenied => new(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, detail),
            StatusCode.DeadlineExceeded => new(StatusCodes.Status504GatewayTimeout, ErrorCodes.Timeout, detail),
            StatusCode.ResourceExhausted when exception.Trailers.GetValue(AgentTrailers.Limit) is not null =>
                new(StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited, detail),
            StatusCode.ResourceExhausted => new(StatusCodes.Status503ServiceUnavailable, ErrorCodes.NoCapacity, detail),
            StatusCode.Unimplemented => new(StatusCodes.Status501NotImplemented, ErrorCodes.NotSupported, detail),
            StatusCode.Unavailable or StatusCode.Unauthenticated =>
                Hidden(exception, logger, StatusCodes.Status502BadGateway, ErrorCodes.HostUnavailable, "the host agent is unavailable"),
            _ => Hidden(exception, logger, StatusCodes.Status500InternalServerError, ErrorCodes.Internal, "the host agent failed"),
        };
    }

    /// <summary>True when the call may or may not have happened on the agent (the answer was lost).</summary>
    public static bool OutcomeUnknown(RpcException exception) =>
        exception.StatusCode is StatusCode.DeadlineExceeded or StatusCode.Unavailable or StatusCode.Cancelled or StatusCode.Unknown;

    private static AgentFailure Hidden(RpcException exception, ILogger logger, int status, string code, string summary)
    {
        var errorId = "err-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        logger.LogError("Agent call failed ({Status}), error id {ErrorId}: {Detail}", exception.StatusCode, errorId, exception.Status.Detail);
        return new(status, code, $"{summary} (error id {errorId}; the operator finds the details in the control plane log)");
    }
}
