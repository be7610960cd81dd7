using Grpc.Core;

namespace Wrenn.ControlPlane.Api;

/// <summary>The error envelope for a failed agent call; decided when written, where the request's logger is at hand.</summary>
public sealed class AgentErrorResult(RpcException exception) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        var failure = AgentErrors.Describe(exception, httpContext);
        return ApiResults.Error(failure.Status, failure.Code, failure.Message).ExecuteAsync(httpContext);
    }
}
