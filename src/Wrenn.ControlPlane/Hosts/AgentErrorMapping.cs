using System.Security.Cryptography;
using Grpc.Core;
using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// Turns a failed agent call into a <see cref="SandboxError"/>. Statuses the agent raises on purpose
/// (bad input, not found, conflict, no capacity…) keep their message: it was written for the caller.
/// Everything else (internal failures, lost connections) may carry host paths, tool output or
/// addresses, so it is logged with an error id and the caller sees only that id.
/// </summary>
public static class AgentErrorMapping
{
    public static SandboxError ToError(RpcException exception, ILogger logger)
    {
        var detail = exception.Status.Detail;
        return exception.StatusCode switch
        {
            StatusCode.InvalidArgument or StatusCode.OutOfRange => new(SandboxErrorKind.BadRequest, detail),
            StatusCode.NotFound => new(SandboxErrorKind.NotFound, detail),
            StatusCode.FailedPrecondition or StatusCode.AlreadyExists => new(SandboxErrorKind.Conflict, detail),
            StatusCode.PermissionDenied => new(SandboxErrorKind.Forbidden, detail),
            StatusCode.DeadlineExceeded => new(SandboxErrorKind.Timeout, detail),
            StatusCode.ResourceExhausted when exception.Trailers.GetValue(AgentTrailers.Limit) is not null => new(SandboxErrorKind.RateLimited, detail),
            StatusCode.ResourceExhausted when exception.Trailers.GetValue(AgentTrailers.Storage) is not null => new(SandboxErrorKind.InsufficientStorage, detail),
            StatusCode.ResourceExhausted => new(SandboxErrorKind.NoCapacity, detail),
            StatusCode.Unimplemented => new(SandboxErrorKind.NotSupported, detail),
            StatusCode.Unavailable or StatusCode.Unauthenticated => Hidden(exception, logger, SandboxErrorKind.AgentUnavailable, "the host agent is unavailable"),
            _ => Hidden(exception, logger, SandboxErrorKind.Internal, "the host agent failed"),
        };
    }

    /// <summary>True when the call may or may not have happened on the agent (the answer was lost).</summary>
    public static bool OutcomeUnknown(RpcException exception) =>
        exception.StatusCode is StatusCode.DeadlineExceeded or StatusCode.Unavailable or StatusCode.Cancelled or StatusCode.Unknown;

    private static SandboxError Hidden(RpcException exception, ILogger logger, SandboxErrorKind kind, string summary)
    {
        var errorId = "err-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        logger.AgentCallFailed(exception.StatusCode, errorId, exception.Status.Detail);
        return new(kind, $"{summary} (error id {errorId}; the operator finds the details in the control plane log)");
    }
}
