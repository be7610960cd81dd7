using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.Tests.Hosts;

/// <summary>An agent's RESOURCE_EXHAUSTED means "slow down" when a call limit refused it, "no room" otherwise.</summary>
public sealed class AgentLimitErrorsTests
{
    [Fact]
    public void A_refusal_by_a_call_limit_is_429_and_a_full_host_stays_503()
    {
        var limited = AgentErrorMapping.ToError(new RpcException(new Status(StatusCode.ResourceExhausted, "the team already has 64 calls"), new Metadata { { AgentTrailers.Limit, "team" } }), NullLogger.Instance);
        Assert.Equal(SandboxErrorKind.RateLimited, limited.Kind);
        Assert.Equal((StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited), SandboxErrors.Describe(limited.Kind));

        var full = AgentErrorMapping.ToError(new RpcException(new Status(StatusCode.ResourceExhausted, "no free network slot")), NullLogger.Instance);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, SandboxErrors.Describe(full.Kind).Status);
    }

    [Fact]
    public void A_host_whose_disk_is_full_is_507_insufficient_storage_with_the_agents_message()
    {
        var error = AgentErrorMapping.ToError(new RpcException(new Status(StatusCode.ResourceExhausted, "the host's disk holding $WRENN_DIR is full"), new Metadata { { AgentTrailers.Storage, "full" } }), NullLogger.Instance);
        Assert.Equal(SandboxErrorKind.InsufficientStorage, error.Kind);
        Assert.Equal((StatusCodes.Status507InsufficientStorage, ErrorCodes.InsufficientStorage), SandboxErrors.Describe(error.Kind));
        Assert.Contains("disk", error.Message, StringComparison.Ordinal);
    }
}
