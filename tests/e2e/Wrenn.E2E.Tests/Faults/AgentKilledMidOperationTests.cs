using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.E2E.Tests.Faults;

/// <summary>
/// The agent dies (SIGKILL) while it creates, pauses, templates or destroys a sandbox. The caller gets an
/// answer, never a hang; after the next `wrenn up` every sandbox is one a user can act on (running and
/// answering, paused and resumable, or stopped), what the sandbox held is still there, and once the
/// platform is stopped nothing of it is left on the host.
/// </summary>
[Collection(OwnPlatformCollection.Name)]
public sealed class AgentKilledMidOperationTests
{
    private static readonly string[] SettledStates = ["running", "paused", "stopped", "error"];

    public static TheoryData<string> Operations => new() { "create", "pause", "template", "destroy" };

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task A_killed_agent_answers_the_call_with_an_error_and_the_restart_leaves_nothing_half_made(string operation)
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var platform = await RunningPlatform.StartAsync(ct);
        string? existing = null;
        try
        {
            var api = new PlatformCalls(platform);
            if (operation != "create")
            {
                existing = await api.CreateSandboxAsync(new { });
                await api.ExecAsync(existing, "echo kept > /home/user/kept");
            }

            var cgroupsBefore = SandboxCgroups();
            using var callTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            callTimeout.CancelAfter(TimeSpan.FromSeconds(90));
            var call = operation switch
            {
                "create" => platform.Http.PostAsJsonAsync("/v1/sandboxes", new { }, callTimeout.Token),
                "pause" => platform.Http.PostAsync(new Uri($"/v1/sandboxes/{existing}/pause", UriKind.Relative), null, callTimeout.Token),
                "template" => platform.Http.PostAsJsonAsync("/v1/snapshots", new { sandbox_id = existing, name = "fault-template" }, callTimeout.Token),
                "destroy" => platform.Http.DeleteAsync(new Uri($"/v1/sandboxes/{existing}", UriKind.Relative), callTimeout.Token),
                _ => throw new ArgumentOutOfRangeException(nameof(operation)),
            };

            // Land in the middle: a create once its container's cgroup exists (before envd answers); the
            // others are short, so the kill follows the request at once.
            if (operation == "create")
            {
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (!SandboxCgroups().Except(cgroupsBefore).Any() && !call.IsCompleted && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(2, ct);
                }
            }
            else
            {
                await Task.Delay(operation == "template" ? 30 : 2, ct);
            }

            platform.KillChild("host agent");

            // Never a hang: an answer (the operation may have finished just before the kill), and when
            // it is an error, the API's error envelope.
            HttpResponseMessage? answer = null;
            try
            {
                answer = await call;
            }
            catch (HttpRequestException)
            {
                // wrenn up stops the control plane when the agent dies; a connection it closed under the
                // call is an answer too (the client knows at once), not a hang.
            }

            Assert.False(callTimeout.IsCancellationRequested, $"{operation}: no answer within 90 s of the agent's death");
            if (answer is { IsSuccessStatusCode: false })
            {
                var text = await answer.Content.ReadAsStringAsync(ct);
                Assert.True((int)answer.StatusCode >= 500, $"{operation}: {(int)answer.StatusCode} {text}");
                Assert.True(JsonDocument.Parse(text).RootElement.TryGetProperty("error", out _), $"{operation}: no error envelope: {text}");
            }

            answer?.Dispose();
            Assert.NotEqual(0, await platform.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            await platform.DisposeAsync(deleteRoot: false);
        }

        var restarted = await RunningPlatform.StartAsync(ct, platform.Root);
        try
        {
            var api = new PlatformCalls(restarted);
            var sandboxes = await SettledSandboxesAsync(restarted, ct);
            foreach (var sandbox in sandboxes)
            {
                var id = sandbox.GetProperty("id").GetString()!;
                var state = sandbox.GetProperty("state").GetString();
                if (state == "paused")
                {
                    await api.PostAsync($"/v1/sandboxes/{id}/resume", null, HttpStatusCode.OK);
                    state = "running";
                }

                if (state == "running")
                {
                    // It really runs, and what it held before the crash is still there.
                    Assert.Equal(id == existing ? "kept\n" : "ok\n", await api.ExecAsync(id, id == existing ? "cat /home/user/kept" : "echo ok"));
                }
            }

            if (operation == "destroy")
            {
                Assert.DoesNotContain(sandboxes, s => s.GetProperty("id").GetString() == existing && s.GetProperty("state").GetString() == "paused");
            }

            if (operation == "template")
            {
                // A template the API lists is whole: a sandbox starts from it and has the file.
                var templates = (await api.GetAsync("/v1/snapshots", HttpStatusCode.OK)).GetProperty("snapshots").EnumerateArray().ToList();
                if (templates.Any(t => t.GetProperty("name").GetString() == "fault-template"))
                {
                    var fromTemplate = await api.CreateSandboxAsync(new { template = "fault-template" });
                    Assert.Equal("kept\n", await api.ExecAsync(fromTemplate, "cat /home/user/kept"));
                    await api.DeleteAsync($"/v1/sandboxes/{fromTemplate}", HttpStatusCode.NoContent);
                }
            }

            foreach (var sandbox in sandboxes)
            {
                await api.DeleteSandboxQuietlyAsync(sandbox.GetProperty("id").GetString()!);
            }

            using var removed = await restarted.Http.DeleteAsync(new Uri("/v1/snapshots/fault-template", UriKind.Relative), ct);
            Assert.True(removed.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.NotFound, $"template delete: {(int)removed.StatusCode}");
        }
        finally
        {
            await restarted.DisposeAsync();
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    /// <summary>The team's sandboxes once none is still starting, pausing or resuming (45 s at most).</summary>
    private static async Task<List<JsonElement>> SettledSandboxesAsync(RunningPlatform platform, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (true)
        {
            using var response = await platform.Http.GetAsync(new Uri("/v1/sandboxes?state=starting,running,pausing,paused,resuming,error", UriKind.Relative), ct);
            var sandboxes = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("sandboxes").EnumerateArray().ToList();
            var unsettled = sandboxes.Where(s => !SettledStates.Contains(s.GetProperty("state").GetString())).ToList();
            if (unsettled.Count == 0)
            {
                return sandboxes;
            }

            Assert.True(DateTime.UtcNow < deadline, $"still unsettled 45 s after the restart: {string.Join(", ", unsettled)}\n{platform.Logs()}");
            await Task.Delay(500, ct);
        }
    }

    /// <summary>The sandbox cgroups of every controller: a new one means a runtime has started a sandbox.</summary>
    private static HashSet<string> SandboxCgroups() =>
        Directory.EnumerateDirectories("/sys/fs/cgroup")
            .SelectMany(controller => Directory.EnumerateDirectories(controller, "wrenn*").SelectMany(Directory.EnumerateDirectories))
            .ToHashSet();
}
