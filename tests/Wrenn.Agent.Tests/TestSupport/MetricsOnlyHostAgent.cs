using Grpc.Core;
using Wrenn.Common.HostAgent.V1;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>A host agent service that answers only GetHostMetrics, with a number the test recognises.</summary>
public sealed class MetricsOnlyHostAgent : HostAgent.HostAgentBase
{
    public const uint HostCpus = 7;

    public override Task<GetHostMetricsResponse> GetHostMetrics(GetHostMetricsRequest request, ServerCallContext context) =>
        Task.FromResult(new GetHostMetricsResponse { HostCpus = HostCpus });
}
