using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Sandboxes;
using Wrenn.Agent.Tests.Telemetry;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.Sandboxes;

/// <summary>
/// The reaper's pause runs on no gRPC call, yet every line of it (the manager's, the runtime's, the
/// step timings that name no sandbox) carries the sandbox's id in its scopes. Needs root and the image.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class InactivityReaperScopeTests
{
    [Fact]
    public async Task Every_line_of_an_idle_sandboxs_pause_carries_its_id()
    {
        var ct = TestContext.Current.CancellationToken;
        var capture = new ScopedLogCapture();
        await using var agent = new AgentUnderTest(new NoStepFaults(), services => services.AddLogging(logging => logging.AddProvider(capture).SetMinimumLevel(LogLevel.Debug)));
        var spec = new CreateSandboxSpec(WrennIds.NewSandboxId(), "minimal", 1, 256, 1, new Dictionary<string, string>());
        await agent.Manager.CreateAsync(spec, ct);
        while (!agent.Manager.Idle(DateTimeOffset.UtcNow).Any(s => s.Id == spec.SandboxId))
        {
            await Task.Delay(100, ct);
        }

        var before = capture.Entries.Count;
        await agent.Reaper.ReapAsync();

        Assert.Equal(SandboxState.Paused, agent.Manager.Get(spec.SandboxId).State);
        var reaped = capture.Entries.Skip(before).ToList();
        Assert.Contains(reaped, line => line.Message.StartsWith("Sandbox " + spec.SandboxId + " paused (inactive)", StringComparison.Ordinal));
        var unscoped = reaped.Where(line => !Equals(line.Scope.GetValueOrDefault("SandboxId"), spec.SandboxId)).Select(line => $"{line.Category}: {line.Message}").ToList();
        Assert.True(unscoped.Count == 0, "lines of the pause without the sandbox's scope:\n" + string.Join('\n', unscoped));
    }
}
