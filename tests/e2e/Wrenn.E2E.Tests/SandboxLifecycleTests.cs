using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.E2E.Tests;

/// <summary>The walking skeleton as a user sees it: `wrenn up`, create, exec, destroy, nothing left.</summary>
[Collection(PlatformCollection.Name)]
public sealed class SandboxLifecycleTests(PlatformFixture fixture)
{
    private RunningPlatform Platform => fixture.Platform;

    [Fact]
    public async Task Create_run_code_and_destroy_leaves_nothing_behind()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();

        using var created = await Platform.Http.PostAsJsonAsync("/v1/sandboxes", new { template = "minimal" }, ct);
        var sandbox = await ReadAsync(created, HttpStatusCode.Created);
        var id = sandbox.GetProperty("id").GetString()!;
        Assert.Matches("^sb-[0-9a-f]{16}$", id);
        Assert.Equal("running", sandbox.GetProperty("state").GetString());
        Assert.NotEmpty(HostSnapshot.Take().NewSince(before));

        var hello = await ExecAsync(id, new { cmd = "echo hello" });
        Assert.Equal("hello\n", hello.GetProperty("stdout").GetString());
        Assert.Equal(0, hello.GetProperty("exit_code").GetInt32());
        Assert.Equal("utf-8", hello.GetProperty("encoding").GetString());

        var python = await ExecAsync(id, new { cmd = "python3", args = new[] { "-c", "print(6*7)" } });
        Assert.Equal("42\n", python.GetProperty("stdout").GetString());

        var three = await ExecAsync(id, new { cmd = "exit 3" });
        Assert.Equal(3, three.GetProperty("exit_code").GetInt32());

        var stderr = await ExecAsync(id, new { cmd = "echo oops >&2" });
        Assert.Equal("oops\n", stderr.GetProperty("stderr").GetString());
        Assert.Equal(string.Empty, stderr.GetProperty("stdout").GetString());

        using (var listed = await Platform.Http.GetAsync(new Uri("/v1/sandboxes", UriKind.Relative), ct))
        {
            var list = await ReadAsync(listed, HttpStatusCode.OK);
            Assert.Contains(list.GetProperty("sandboxes").EnumerateArray(), s => s.GetProperty("id").GetString() == id);
        }

        using (var deleted = await Platform.Http.DeleteAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var leftovers = HostSnapshot.Take().NewSince(before, Platform.WrennDir);
        Assert.True(leftovers.Count == 0, "left behind: " + string.Join(", ", leftovers));
        Assert.False(Directory.Exists(Path.Combine(Platform.WrennDir, "sandboxes", id)), "the sandbox's directory was not removed");

        using var gone = await Platform.Http.GetAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), ct);
        Assert.Equal("stopped", (await ReadAsync(gone, HttpStatusCode.OK)).GetProperty("state").GetString());
        using var execAfter = await Platform.Http.PostAsJsonAsync($"/v1/sandboxes/{id}/exec", new { cmd = "true" }, ct);
        Assert.Equal(HttpStatusCode.Conflict, execAfter.StatusCode);
    }

    [Fact]
    public async Task Commands_run_as_the_unprivileged_default_user_with_the_sandbox_environment()
    {
        var ct = TestContext.Current.CancellationToken;
        using var created = await Platform.Http.PostAsJsonAsync("/v1/sandboxes", new { env = new Dictionary<string, string> { ["GREETING"] = "hi there" } }, ct);
        var id = (await ReadAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        try
        {
            var whoami = await ExecAsync(id, new { cmd = "id -un; echo \"$GREETING\"; pwd" });
            Assert.Equal("user\nhi there\n/home/user\n", whoami.GetProperty("stdout").GetString());

            var perCall = await ExecAsync(id, new { cmd = "echo $ONLY_HERE", env = new Dictionary<string, string> { ["ONLY_HERE"] = "yes" }, cwd = "/tmp" });
            Assert.Equal("yes\n", perCall.GetProperty("stdout").GetString());

            var binary = await ExecAsync(id, new { cmd = "printf '\\377\\376'" });
            Assert.Equal("base64", binary.GetProperty("encoding").GetString());
            Assert.Equal(new byte[] { 0xFF, 0xFE }, Convert.FromBase64String(binary.GetProperty("stdout").GetString()!));
        }
        finally
        {
            using var _ = await Platform.Http.DeleteAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), ct);
        }
    }

    [Fact]
    public async Task A_command_past_its_timeout_is_killed_and_answers_504()
    {
        var ct = TestContext.Current.CancellationToken;
        using var created = await Platform.Http.PostAsJsonAsync("/v1/sandboxes", new { }, ct);
        var id = (await ReadAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        try
        {
            var started = DateTime.UtcNow;
            using var response = await Platform.Http.PostAsJsonAsync($"/v1/sandboxes/{id}/exec", new { cmd = "sleep 30", timeout_sec = 1 }, ct);
            var error = await ReadAsync(response, HttpStatusCode.GatewayTimeout);
            Assert.Equal("timeout", error.GetProperty("error").GetProperty("code").GetString());
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20));

            var sleepers = await ExecAsync(id, new { cmd = "pgrep -x sleep || true" });
            Assert.Equal(string.Empty, sleepers.GetProperty("stdout").GetString());
        }
        finally
        {
            using var _ = await Platform.Http.DeleteAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), ct);
        }
    }

    [Fact]
    public async Task A_template_that_does_not_exist_answers_404_and_leaves_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        using var response = await Platform.Http.PostAsJsonAsync("/v1/sandboxes", new { template = "no-such-template" }, ct);
        var error = await ReadAsync(response, HttpStatusCode.NotFound);
        Assert.Contains("no-such-template", error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(HostSnapshot.Take().NewSince(before, Platform.WrennDir));
        using var listed = await Platform.Http.GetAsync(new Uri("/v1/sandboxes?state=starting,running,error", UriKind.Relative), ct);
        Assert.DoesNotContain((await ReadAsync(listed, HttpStatusCode.OK)).GetProperty("sandboxes").EnumerateArray(), s => s.GetProperty("template").GetString() == "no-such-template");
    }

    private async Task<JsonElement> ExecAsync(string id, object body)
    {
        using var response = await Platform.Http.PostAsJsonAsync($"/v1/sandboxes/{id}/exec", body, TestContext.Current.CancellationToken);
        return await ReadAsync(response, HttpStatusCode.OK);
    }

    private async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"expected {expected}, got {(int)response.StatusCode}: {text}\n{Platform.Logs()}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
