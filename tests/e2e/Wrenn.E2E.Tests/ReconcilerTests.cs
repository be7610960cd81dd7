using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.E2E.Tests;

/// <summary>What happens when the agent dies under a running sandbox, and what the next start does about it.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ReconcilerTests
{
    [Fact]
    public async Task After_the_agent_is_killed_a_restart_cleans_the_host_and_the_sandbox_ends_stopped()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var platform = await RunningPlatform.StartAsync(ct);
        string? id = null;
        try
        {
            using (var created = await platform.Http.PostAsJsonAsync("/v1/sandboxes", new { }, ct))
            {
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                id = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
            }

            platform.KillChild("host agent");
            // wrenn up notices, says which child died, and stops the rest.
            Assert.NotEqual(0, await platform.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("agent exited", platform.Output, StringComparison.Ordinal);
            Assert.NotEmpty(HostSnapshot.Take().NewSince(before));
        }
        finally
        {
            await platform.DisposeAsync(deleteRoot: false);
        }

        // The next agent on the same directory removes what the dead one left (sandboxes are not yet
        // re-adopted), and the reconciler then finds the sandbox gone from its host: stopped.
        var restarted = await RunningPlatform.StartAsync(ct, platform.Root);
        try
        {
            var leftovers = HostSnapshot.Take().NewSince(before);
            Assert.True(leftovers.Count == 0, "left behind after the restart: " + string.Join(", ", leftovers) + "\n" + restarted.Logs());
            var deadline = DateTime.UtcNow.AddSeconds(45);
            string state;
            do
            {
                await Task.Delay(500, ct);
                using var response = await restarted.Http.GetAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), ct);
                state = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("state").GetString()!;
            }
            while (state != "stopped" && DateTime.UtcNow < deadline);
            Assert.True(state == "stopped", $"sandbox is {state}, not stopped\n{restarted.Logs()}");
        }
        finally
        {
            await restarted.DisposeAsync();
        }
    }
}
