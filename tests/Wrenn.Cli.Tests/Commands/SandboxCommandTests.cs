using System.Net;
using System.Text.Json;

namespace Wrenn.Cli.Tests.Commands;

/// <summary>`wrenn sandbox …` through the SDK against a scripted control plane: the API's JSON comes out as it went in, errors are one line.</summary>
public sealed class SandboxCommandTests
{
    private const string Sandbox = """{"id": "sb-0000000000000001", "state": "paused", "template": "minimal", "vcpus": 1, "memory_mb": 512, "timeout_sec": 0, "metadata": {"suite": "cli"}, "host_id": "host-01", "created_at": "2026-12-05T10:00:00Z", "last_active_at": "2026-12-05T10:05:00Z", "end_at": null, "auto_pause": false, "auto_resume": false}""";

    [Fact]
    public async Task Ls_json_prints_every_field_the_api_gave_with_the_api_key()
    {
        await using var api = new FakeApi((HttpStatusCode.OK, $$"""{"sandboxes": [{{Sandbox}}], "next_cursor": null}"""));
        using var cli = new CliProcess();
        await cli.WriteConfigAsync(api.Url, "wrn_key", "the-session");

        var (code, output, error) = await cli.RunAsync("sandbox", "ls", "--state", "running,paused", "--json");

        Assert.True(code == 0, error);
        Assert.Equal(("GET /v1/sandboxes", (string?)null, "wrn_key"), api.Requests.Single());
        var printed = JsonDocument.Parse(output).RootElement.GetProperty("sandboxes").EnumerateArray().Single();
        Assert.Equal(JsonSerializer.Serialize(JsonDocument.Parse(Sandbox).RootElement), JsonSerializer.Serialize(printed));
    }

    [Fact]
    public async Task Pause_prints_the_new_state()
    {
        await using var api = new FakeApi((HttpStatusCode.OK, Sandbox.Replace("paused", "running", StringComparison.Ordinal)), (HttpStatusCode.OK, Sandbox));
        using var cli = new CliProcess();
        await cli.WriteConfigAsync(api.Url, "wrn_key", null);

        var (code, output, error) = await cli.RunAsync("sandbox", "pause", "sb-0000000000000001");

        Assert.True(code == 0, error);
        Assert.Equal("POST /v1/sandboxes/sb-0000000000000001/pause", api.Requests[^1].Request);
        Assert.Matches(@"(?m)^state +paused$", output);
    }

    [Fact]
    public async Task A_bad_metadata_pair_is_one_line_and_exit_1_before_any_call()
    {
        await using var api = new FakeApi();
        using var cli = new CliProcess();
        await cli.WriteConfigAsync(api.Url, "wrn_key", null);

        var (code, _, error) = await cli.RunAsync("sandbox", "create", "--metadata", "nokey");

        Assert.Equal((1, "wrenn: --metadata 'nokey' must be key=value\n"), (code, error));
        Assert.Empty(api.Requests);
    }

    [Fact]
    public async Task An_unreachable_api_is_one_line_and_exit_1()
    {
        using var cli = new CliProcess();
        await cli.WriteConfigAsync("http://127.0.0.1:1", "wrn_key", null);

        var (code, _, error) = await cli.RunAsync("sandbox", "ls");

        Assert.Equal(1, code);
        Assert.StartsWith("wrenn: cannot reach http://127.0.0.1:1/", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }
}
