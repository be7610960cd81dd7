namespace Wrenn.Sdk;

/// <summary>The API answered with its error envelope; <see cref="Status"/>, <see cref="Code"/> and <see cref="ServerMessage"/> are the server's.</summary>
public class WrennApiException(int status, string code, string message) : Exception($"{message} ({status} {code})")
{
    /// <summary>The HTTP status (0 when the failure came inside a stream).</summary>
    public int Status { get; } = status;

    /// <summary>The server's error code, e.g. <c>not_found</c>.</summary>
    public string Code { get; } = code;

    /// <summary>The server's message.</summary>
    public string ServerMessage { get; } = message;

    /// <summary>The typed exception for a status and envelope.</summary>
    public static WrennApiException For(int status, string? code, string? message)
    {
        code ??= "error";
        message ??= $"HTTP {status}";
        return status switch
        {
            400 => new WrennBadRequestException(status, code, message),
            401 => new WrennUnauthorizedException(status, code, message),
            403 => new WrennForbiddenException(status, code, message),
            404 => new WrennNotFoundException(status, code, message),
            409 => new WrennConflictException(status, code, message),
            501 => new WrennNotSupportedException(status, code, message),
            504 => new WrennTimeoutException(status, code, message),
            >= 500 => new WrennSandboxException(status, code, message),
            _ => new WrennApiException(status, code, message),
        };
    }
}
