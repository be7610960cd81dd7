using Grpc.Core;
using Wrenn.Common.Errors;

namespace Wrenn.ControlPlane.Api;

/// <summary>Turns a failed agent call into the API's error envelope with the matching HTTP status.</summary>
public static class AgentErrors
{
    public static IResult ToResult(RpcException exception) => exception.StatusCode switch
    {
        StatusCode.InvalidArgument or StatusCode.OutOfRange =>
            ApiResults.Error(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, exception.Status.Detail),
        StatusCode.NotFound =>
            ApiResults.Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, exception.Status.Detail),
        StatusCode.FailedPrecondition or StatusCode.AlreadyExists =>
            ApiResults.Error(StatusCodes.Status409Conflict, ErrorCodes.Conflict, exception.Status.Detail),
        StatusCode.PermissionDenied =>
            ApiResults.Error(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, exception.Status.Detail),
        StatusCode.DeadlineExceeded =>
            ApiResults.Error(StatusCodes.Status504GatewayTimeout, ErrorCodes.Timeout, exception.Status.Detail),
        StatusCode.ResourceExhausted when exception.Trailers.GetValue(AgentTrailers.Limit) is not null =>
            ApiResults.Error(StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited, exception.Status.Detail),
        StatusCode.ResourceExhausted =>
            ApiResults.Error(StatusCodes.Status503ServiceUnavailable, ErrorCodes.NoCapacity, exception.Status.Detail),
        StatusCode.Unimplemented =>
            ApiResults.Error(StatusCodes.Status501NotImplemented, ErrorCodes.NotSupported, exception.Status.Detail),
        StatusCode.Unavailable or StatusCode.Unauthenticated =>
            ApiResults.Error(StatusCodes.Status502BadGateway, ErrorCodes.HostUnavailable, "host agent: " + exception.Status.Detail),
        _ => ApiResults.Error(StatusCodes.Status500InternalServerError, ErrorCodes.Internal, "host agent: " + exception.Status.Detail),
    };

    /// <summary>True when the call may or may not have happened on the agent (the answer was lost).</summary>
    public static bool OutcomeUnknown(RpcException exception) =>
        exception.StatusCode is StatusCode.DeadlineExceeded or StatusCode.Unavailable or StatusCode.Cancelled or StatusCode.Unknown;
}
