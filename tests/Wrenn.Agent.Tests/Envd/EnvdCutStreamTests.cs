using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Envd;
using Wrenn.Agent.Rpc;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Agent.Tests.Envd;

/// <summary>
/// A sandbox's envd that dies while it answers (killed when the sandbox's process limit is reached, or by
/// its tenant) fails the call as the sandbox being unreachable (UNAVAILABLE, which the control plane
/// answers with 502), not as a failure of the agent (INTERNAL, a 500).
/// </summary>
public sealed class EnvdCutStreamTests
{
    [Fact]
    public async Task A_process_stream_envd_cuts_half_way_fails_as_unavailable_after_the_events_that_came()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var envd = CutStreamEnvd.Start(ct);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var client = new EnvdClient(http, Microsoft.Extensions.Options.Options.Create(new EnvdClientOptions()), NullLogger<EnvdClient>.Instance);
        var request = new StartRequest { Process = new ProcessConfig { Cmd = "/bin/true" } };

        var events = new List<ProcessEvent>();
        var failure = await Record.ExceptionAsync(async () =>
        {
            await foreach (var processEvent in client.StartProcessAsync(new EnvdEndpoint(envd.BaseUri, "token"), request, "root", null, ct))
            {
                events.Add(processEvent);
            }
        });

        // Said as envd's failure (its message goes to the control plane's log under the error id the caller sees).
        Assert.Contains("envd's stream broke off", Assert.IsType<EnvdProtocolException>(failure).Message, StringComparison.Ordinal);
        Assert.Equal(CutStreamEnvd.StartedPid, Assert.Single(events).Start.Pid);
        Assert.Equal(StatusCode.Unavailable, ExceptionStatusInterceptor.StatusFor(failure));
    }
}
