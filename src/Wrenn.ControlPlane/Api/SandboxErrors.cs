using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.Api;

/// <summary>The /v1 face of a <see cref="SandboxError"/>: HTTP status and the error envelope's code.</summary>
public static class SandboxErrors
{
    public static IResult ToResult(SandboxError error)
    {
        var (status, code) = Describe(error.Kind);
        var result = ApiResults.Error(status, code, error.Message);
        return error.Kind == SandboxErrorKind.NoCapacity ? new RetryAfterResult(result) : result;
    }

    public static (int Status, string Code) Describe(SandboxErrorKind kind) => kind switch
    {
        SandboxErrorKind.BadRequest => (StatusCodes.Status400BadRequest, ErrorCodes.BadRequest),
        SandboxErrorKind.NotFound => (StatusCodes.Status404NotFound, ErrorCodes.NotFound),
        SandboxErrorKind.Conflict => (StatusCodes.Status409Conflict, ErrorCodes.Conflict),
        SandboxErrorKind.Forbidden => (StatusCodes.Status403Forbidden, ErrorCodes.Forbidden),
        SandboxErrorKind.QuotaExceeded => (StatusCodes.Status429TooManyRequests, ErrorCodes.QuotaExceeded),
        SandboxErrorKind.RateLimited => (StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited),
        SandboxErrorKind.NoCapacity => (StatusCodes.Status503ServiceUnavailable, ErrorCodes.NoCapacity),
        SandboxErrorKind.InsufficientStorage => (StatusCodes.Status507InsufficientStorage, ErrorCodes.InsufficientStorage),
        SandboxErrorKind.AgentUnavailable => (StatusCodes.Status502BadGateway, ErrorCodes.HostUnavailable),
        SandboxErrorKind.Timeout => (StatusCodes.Status504GatewayTimeout, ErrorCodes.Timeout),
        SandboxErrorKind.NotSupported => (StatusCodes.Status501NotImplemented, ErrorCodes.NotSupported),
        _ => (StatusCodes.Status500InternalServerError, ErrorCodes.Internal),
    };

    /// <summary>Maps a result: its value through <paramref name="map"/>, its error to the envelope.</summary>
    public static IResult Map<T>(SandboxResult<T> result, Func<T, IResult> map)
        where T : notnull =>
        result.Succeeded ? map(result.Value) : ToResult(result.Error);
}
