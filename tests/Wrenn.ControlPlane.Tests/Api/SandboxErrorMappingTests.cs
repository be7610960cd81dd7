using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.Tests.Api;

/// <summary>
/// The service's errors carry no HTTP; /v1 maps every kind to its status and envelope code, and the
/// gateway maps every agent status to a kind, hiding unexpected failures' details behind an error id.
/// </summary>
public sealed class SandboxErrorMappingTests
{
    [Theory]
    [InlineData(SandboxErrorKind.BadRequest, StatusCodes.Status400BadRequest, ErrorCodes.BadRequest)]
    [InlineData(SandboxErrorKind.NotFound, StatusCodes.Status404NotFound, ErrorCodes.NotFound)]
    [InlineData(SandboxErrorKind.Conflict, StatusCodes.Status409Conflict, ErrorCodes.Conflict)]
    [InlineData(SandboxErrorKind.Forbidden, StatusCodes.Status403Forbidden, ErrorCodes.Forbidden)]
    [InlineData(SandboxErrorKind.QuotaExceeded, StatusCodes.Status429TooManyRequests, ErrorCodes.QuotaExceeded)]
    [InlineData(SandboxErrorKind.RateLimited, StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited)]
    [InlineData(SandboxErrorKind.NoCapacity, StatusCodes.Status503ServiceUnavailable, ErrorCodes.NoCapacity)]
    [InlineData(SandboxErrorKind.AgentUnavailable, StatusCodes.Status502BadGateway, ErrorCodes.HostUnavailable)]
    [InlineData(SandboxErrorKind.Timeout, StatusCodes.Status504GatewayTimeout, ErrorCodes.Timeout)]
    [InlineData(SandboxErrorKind.NotSupported, StatusCodes.Status501NotImplemented, ErrorCodes.NotSupported)]
    [InlineData(SandboxErrorKind.Internal, StatusCodes.Status500InternalServerError, ErrorCodes.Internal)]
    public void Every_kind_has_its_v1_status_and_code(SandboxErrorKind kind, int status, string code) =>
        Assert.Equal((status, code), SandboxErrors.Describe(kind));

    [Fact]
    public void Every_kind_is_covered_by_the_v1_mapping() =>
        Assert.All(Enum.GetValues<SandboxErrorKind>().Where(k => k != SandboxErrorKind.Internal), k => Assert.NotEqual(ErrorCodes.Internal, SandboxErrors.Describe(k).Code));

    [Theory]
    [InlineData(StatusCode.InvalidArgument, SandboxErrorKind.BadRequest)]
    [InlineData(StatusCode.NotFound, SandboxErrorKind.NotFound)]
    [InlineData(StatusCode.FailedPrecondition, SandboxErrorKind.Conflict)]
    [InlineData(StatusCode.AlreadyExists, SandboxErrorKind.Conflict)]
    [InlineData(StatusCode.PermissionDenied, SandboxErrorKind.Forbidden)]
    [InlineData(StatusCode.DeadlineExceeded, SandboxErrorKind.Timeout)]
    [InlineData(StatusCode.ResourceExhausted, SandboxErrorKind.NoCapacity)]
    [InlineData(StatusCode.Unimplemented, SandboxErrorKind.NotSupported)]
    public void Deliberate_agent_statuses_keep_their_message(StatusCode status, SandboxErrorKind kind)
    {
        var error = AgentErrorMapping.ToError(new RpcException(new Status(status, "what the agent said")), NullLogger.Instance);

        Assert.Equal(kind, error.Kind);
        Assert.Equal("what the agent said", error.Message);
    }

    [Theory]
    [InlineData(StatusCode.Unavailable, SandboxErrorKind.AgentUnavailable)]
    [InlineData(StatusCode.Unauthenticated, SandboxErrorKind.AgentUnavailable)]
    [InlineData(StatusCode.Internal, SandboxErrorKind.Internal)]
    [InlineData(StatusCode.Unknown, SandboxErrorKind.Internal)]
    public void Unexpected_agent_failures_show_only_an_error_id(StatusCode status, SandboxErrorKind kind)
    {
        var error = AgentErrorMapping.ToError(new RpcException(new Status(status, "open /var/lib/wrenn/secret: permission denied")), NullLogger.Instance);

        Assert.Equal(kind, error.Kind);
        Assert.DoesNotContain("/var/lib", error.Message, StringComparison.Ordinal);
        Assert.Matches("err-[0-9a-f]{16}", error.Message);
    }
}
