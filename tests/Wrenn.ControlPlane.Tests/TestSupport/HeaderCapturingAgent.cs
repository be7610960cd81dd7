using System.Collections.Concurrent;
using Grpc.Core;
using Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>An agent whose Exec keeps the authorization header of every call.</summary>
public sealed class HeaderCapturingAgent : HostAgent.HostAgentBase
{
    public ConcurrentQueue<string?> Authorizations { get; } = new();

    public override Task<ExecResponse> Exec(ExecRequest request, ServerCallContext context)
    {
        Authorizations.Enqueue(context.RequestHeaders.GetValue("authorization"));
        return Task.FromResult(new ExecResponse());
    }
}
