using System.Diagnostics;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Runtimes.Container;
using Wrenn.Agent.Sandboxes;
using Wrenn.Agent.Storage;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Tests.Runtimes.Container;

/// <summary>
/// Pause and resume write the cgroup freezer directly: a paused sandbox's processes really stop (a
/// counter it runs stands still, read from the host), runc sees it as paused, and resume continues it.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class ContainerFreezerTests
{
    [Fact]
    public async Task A_paused_sandbox_stands_still_and_a_resumed_one_continues()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var agent = new AgentUnderTest(new NoStepFaults());
        var spec = new CreateSandboxSpec(WrennIds.NewSandboxId(), "minimal", 1, 256, 0, new Dictionary<string, string>());
        await agent.Manager.CreateAsync(spec, ct);
        await agent.Commands.ExecAsync(
            new ExecSpec(spec.SandboxId, "nohup bash -c 'i=0; while true; do i=$((i+1)); echo $i > /tmp/counter.next; mv /tmp/counter.next /tmp/counter; sleep 0.02; done' >/dev/null 2>&1 &", [], new Dictionary<string, string>(), null, TimeSpan.FromSeconds(30), null),
            ct);
        var counter = Path.Combine(OverlayRootfs.UpperDirectory(Path.Combine(agent.WrennDir, "sandboxes", spec.SandboxId)), "tmp", "counter");
        await Waiting.UntilAsync(() => File.Exists(counter), "the counter loop never wrote its file", ct);

        await agent.Manager.PauseAsync(spec.SandboxId, automatic: false, ct);
        Assert.Equal("FROZEN", ReadFreezerState(spec.SandboxId));
        Assert.Contains("\"paused\"", HostOci.Run("state", ContainerRuntime.ContainerId(spec.SandboxId)), StringComparison.Ordinal);
        var paused = await ReadCounterAsync(counter, ct);
        await Task.Delay(300, ct);
        Assert.Equal(paused, await ReadCounterAsync(counter, ct));

        await agent.Manager.ResumeAsync(spec.SandboxId, 0, ct);
        Assert.Equal("THAWED", ReadFreezerState(spec.SandboxId));
        await Task.Delay(300, ct);
        Assert.True(await ReadCounterAsync(counter, ct) > paused, "the counter must advance after resume");

        // For people (never asserted): the direct freezer against the OCI runtime's pause/resume on the same sandbox.
        var report = new System.Text.StringBuilder();
        for (var i = 0; i < 5; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await agent.Manager.PauseAsync(spec.SandboxId, automatic: false, ct);
            var pause = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            started = Stopwatch.GetTimestamp();
            await agent.Manager.ResumeAsync(spec.SandboxId, 0, ct);
            var resume = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            started = Stopwatch.GetTimestamp();
            HostOci.Run("pause", ContainerRuntime.ContainerId(spec.SandboxId));
            var ociPause = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            started = Stopwatch.GetTimestamp();
            HostOci.Run("resume", ContainerRuntime.ContainerId(spec.SandboxId));
            var ociResume = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            report.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"manager pause {pause:F1} ms, resume {resume:F1} ms; {HostOci.Chosen.Runtime} pause {ociPause:F1} ms, resume {ociResume:F1} ms");
        }

        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
        if (Environment.GetEnvironmentVariable("WRENN_FREEZER_REPORT") is { Length: > 0 } path)
        {
            await File.WriteAllTextAsync(path, report.ToString(), ct);
        }
    }

    private static string ReadFreezerState(string sandboxId)
    {
        var v1 = $"/sys/fs/cgroup/freezer/wrenn/{sandboxId}/freezer.state";
        if (File.Exists(v1))
        {
            return File.ReadAllText(v1).Trim();
        }

        return File.ReadAllText($"/sys/fs/cgroup/wrenn/{sandboxId}/cgroup.freeze").Trim() == "1" ? "FROZEN" : "THAWED";
    }

    /// <summary>
    /// The counter's value. The loop writes a new file and renames it over the old one: writing in place,
    /// a pause that falls between the truncation and the write left the file empty for as long as the
    /// sandbox stayed paused (seen once, under load), and no retry could read a number then.
    /// </summary>
    private static async Task<int> ReadCounterAsync(string path, CancellationToken ct) =>
        int.Parse(await File.ReadAllTextAsync(path, ct), System.Globalization.CultureInfo.InvariantCulture);
}
