using System.Net;
using System.Text.Json;

namespace Wrenn.Cli.Tests.Commands;

/// <summary>`wrenn host drain|undrain|ls` through the SDK against a scripted control plane: what is sent, printed and returned.</summary>
public sealed class HostCommandTests
{
    private const string Host = """{"id": "host-01", "state": "draining", "address": "10.0.0.2:9000", "runtime": "container", "arch": "x86_64", "cpus": 8, "memory_mb": 16384, "disk_mb": 100000, "running_sandboxes": 3, "created_at": "2026-12-05T10:00:00Z", "last_seen_at": "2026-12-05T10:05:00Z", "draining": true, "drain": null}""";

    [Fact]
    public async Task Drain_posts_to_the_drain_route_with_the_login_session_and_prints_the_host()
    {
        await using var api = new FakeApi((HttpStatusCode.OK, Host));
        using var cli = new CliProcess();
        await cli.WriteConfigAsync(api.Url, "wrn_key", "the-session");

        var (code, output, error) = await cli.RunAsync("host", "drain", "host-01");

        Assert.True(code == 0, error);
        Assert.Equal([("POST /v1/hosts/host-01/drain", "Bearer the-session", (string?)null)], api.Requests);
        Assert.Matches(@"(?m)^id +host-01$", output);
        Assert.Matches(@"(?m)^state +draining$", output);
    }

    [Fact]
    public async Task Undrain_deletes_the_drain_and_json_prints_the_apis_fields()
    {
        await using var api = new FakeApi((HttpStatusCode.OK, Host.Replace("\"state\": \"draining\"", "\"state\": \"ready\"", StringComparison.Ordinal)));
        using var cli = new CliProcess();
        await cli.WriteConfigAsync(api.Url, "wrn_key", "the-session");

        var (code, output, error) = await cli.RunAsync("host", "undrain", "host-01", "--json");

        Assert.True(code == 0, error);
        Assert.Equal("DELETE /v1/hosts/host-01/drain", api.Requests.Single().Request);
        var printed = JsonDocument.Parse(output).RootElement;
        Assert.Equal(
            JsonDocument.Parse(Host).RootElement.EnumerateObject().Select(p => p.Name),
            printed.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("ready", 16384, "2026-12-05T10:05:00Z"), (printed.GetProperty("state").GetString(), printed.GetProperty("memory_mb").GetInt32(), printed.GetProperty("last_seen_at").GetString()));
    }

    [Fact]
    public async Task An_api_error_is_one_line_with_status_and_code_and_exit_1()
    {
        await using var api = new FakeApi((HttpStatusCode.NotFound, """{"error": {"code": "not_found", "message": "host host-99 not found"}}"""));
        using var cli = new CliProcess();
        await cli.WriteConfigAsync(api.Url, "wrn_key", "the-session");

        var (code, output, error) = await cli.RunAsync("host", "drain", "host-99");

        Assert.Equal((1, string.Empty, "wrenn: host host-99 not found (404 not_found)\n"), (code, output, error));
    }

    [Fact]
    public async Task Without_a_login_it_says_how_to_log_in_and_sends_nothing()
    {
        await using var api = new FakeApi();
        using var cli = new CliProcess();
        await cli.WriteConfigAsync(api.Url, "wrn_key", sessionToken: null);

        var (code, _, error) = await cli.RunAsync("host", "drain", "host-01");

        Assert.Equal((1, "wrenn: not logged in: run 'wrenn login --email <you>' first\n"), (code, error));
        Assert.Empty(api.Requests);
    }

    [Fact]
    public async Task A_missing_host_id_is_a_usage_error()
    {
        using var cli = new CliProcess();
        Assert.Equal(2, (await cli.RunAsync("host", "undrain")).Code);
    }

    [Fact]
    public async Task Ls_prints_a_table_of_the_hosts()
    {
        await using var api = new FakeApi((HttpStatusCode.OK, $$"""{"hosts": [{{Host}}]}"""));
        using var cli = new CliProcess();
        await cli.WriteConfigAsync(api.Url, "wrn_key", "the-session");

        var (code, output, error) = await cli.RunAsync("host", "ls");

        Assert.True(code == 0, error);
        Assert.Matches(@"^ID +STATE +ADDRESS +RUNTIME +CPUS +MEMORY_MB +SANDBOXES +LAST_SEEN\n", output);
        Assert.Matches(@"(?m)^host-01 +draining +10\.0\.0\.2:9000 +container +8 +16384 +3 +2026-12-05T10:05:00Z$", output);
    }
}
