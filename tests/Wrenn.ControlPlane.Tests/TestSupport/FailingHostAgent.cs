using Grpc.Core;
using Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>The host agent service of <see cref="FakeAgent"/>: the calls the tests make fail with one given status.</summary>
public sealed class FailingHostAgent(RpcException failure) : HostAgent.HostAgentBase
{
    public override Task<GetHostMetricsResponse> GetHostMetrics(GetHostMetricsRequest request, ServerCallContext context) => throw failure;
}
