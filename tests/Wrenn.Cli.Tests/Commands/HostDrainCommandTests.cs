using System.Net;

namespace Wrenn.Cli.Tests.Commands;

/// <summary>`wrenn host drain ID --wait` against a scripted control plane: progress until the host is empty, or the sandboxes that could not be moved.</summary>
public sealed class HostDrainCommandTests
{
    [Fact]
    public async Task Wait_prints_progress_until_no_sandbox_is_left_and_exits_0()
    {
        await using var api = new FakeApi(
            (HttpStatusCode.OK, Host(Drain(left: 3, running: 3, paused: 0, moving: 0))),
            (HttpStatusCode.OK, Host(Drain(left: 2, running: 0, paused: 2, moving: 1))),
            (HttpStatusCode.OK, Host(Drain(left: 0, running: 0, paused: 0, moving: 0))));
        using var cli = new CliProcess();
        await cli.WriteConfigAsync(api.Url, "wrn_key", "the-session");

        var (code, output, error) = await cli.RunAsync("host", "drain", "host-01", "--wait");

        Assert.True(code == 0, error);
        Assert.Equal(["POST /v1/hosts/host-01/drain", "GET /v1/hosts/host-01", "GET /v1/hosts/host-01"], api.Requests.Select(r => r.Request));
        Assert.Contains("host host-01: 3 sandbox(es) left (3 running, 0 paused, 0 moving, 0 could not be moved)", output, StringComparison.Ordinal);
        Assert.Contains("host host-01: 2 sandbox(es) left (0 running, 2 paused, 1 moving, 0 could not be moved)", output, StringComparison.Ordinal);
        Assert.EndsWith("host host-01 is empty\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_ends_with_exit_1_and_each_reason_when_every_sandbox_left_could_not_be_moved()
    {
        var failed = """[{"sandbox_id": "sb-0123456789abcdef", "state": "paused", "reason": "no other live host that is not draining has room", "failed_at": "2026-12-05T10:06:00Z"}]""";
        await using var api = new FakeApi(
            (HttpStatusCode.OK, Host(Drain(left: 1, running: 1, paused: 0, moving: 0))),
            (HttpStatusCode.OK, Host(Drain(left: 1, running: 0, paused: 1, moving: 0, failed))));
        using var cli = new CliProcess();
        await cli.WriteConfigAsync(api.Url, "wrn_key", "the-session");

        var (code, _, error) = await cli.RunAsync("host", "drain", "host-01", "--wait");

        Assert.Equal(1, code);
        Assert.Contains("wrenn: sandbox sb-0123456789abcdef (paused) stays on host host-01: no other live host that is not draining has room", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_wait_it_drains_once_and_prints_the_host()
    {
        await using var api = new FakeApi((HttpStatusCode.OK, Host(Drain(left: 3, running: 3, paused: 0, moving: 0))));
        using var cli = new CliProcess();
        await cli.WriteConfigAsync(api.Url, "wrn_key", "the-session");

        var (code, output, error) = await cli.RunAsync("host", "drain", "host-01");

        Assert.True(code == 0, error);
        Assert.Equal(["POST /v1/hosts/host-01/drain"], api.Requests.Select(r => r.Request));
        Assert.Matches(@"(?m)^state +draining$", output);
    }

    private static string Drain(int left, int running, int paused, int moving, string failed = "[]") =>
        $$"""{"sandboxes_left": {{left}}, "running": {{running}}, "paused": {{paused}}, "moving": {{moving}}, "failed": {{failed}}}""";

    private static string Host(string drain) =>
        $$"""{"id": "host-01", "state": "draining", "address": "10.0.0.2:9000", "runtime": "container", "arch": "x86_64", "cpus": 8, "memory_mb": 16384, "disk_mb": 100000, "running_sandboxes": 3, "created_at": "2026-12-05T10:00:00Z", "last_seen_at": "2026-12-05T10:05:00Z", "draining": true, "drain": {{drain}}}""";
}
