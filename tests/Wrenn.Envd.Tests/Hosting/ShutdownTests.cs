using System.Net;
using Wrenn.Envd.Protocol.Process;
using SystemProcess = System.Diagnostics.Process;

namespace Wrenn.Envd.Tests.Hosting;

/// <summary>How envd stops: on SIGTERM it ends what it started and exits 0, as the sandbox's init expects.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task SIGTERM_kills_the_processes_envd_started_and_envd_exits_0()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var envd = await RunningEnvd.StartAsync();
        var request = ConnectTestClient.Command("sleep", "600");
        request.Tag = "sleep-" + Guid.NewGuid().ToString("N");
        var running = new ConnectTestClient(envd.Http).StartAsync(request, json: false, cancellationToken: ct);
        var pid = await ListedPidAsync(new ConnectUnaryClient(envd.Http), request.Tag);

        using (var kill = SystemProcess.Start("kill", ["-TERM", envd.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(ct);
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!envd.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, ct);
        }

        Assert.True(envd.HasExited, "envd still runs 30 s after SIGTERM");
        Assert.Equal(0, envd.ExitCode);
        Assert.False(IsRunning(pid), $"sleep (pid {pid}) outlived envd");
        try
        {
            await running;
        }
        catch (HttpRequestException)
        {
            // The stream may end with the connection instead of an end event; either is an end.
        }
    }

    [Fact]
    public async Task A_known_path_with_another_method_is_405_and_an_unknown_path_404()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var envd = await RunningEnvd.StartAsync();

        using var wrongMethod = await envd.Http.GetAsync(new Uri("/process.Process/List", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Contains("POST", wrongMethod.Content.Headers.Allow);

        using var unknown = await envd.Http.GetAsync(new Uri("/no-such-path", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // Paths are matched as ASP.NET Core's routing matched them: without regard to case or one trailing slash.
        using var health = await envd.Http.GetAsync(new Uri("/Health/", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.NoContent, health.StatusCode);
    }

    private static async Task<uint> ListedPidAsync(ConnectUnaryClient unary, string tag)
    {
        for (var i = 0; i < 500; i++)
        {
            var list = await unary.CallAsync("process.Process/List", new ListRequest(), ListResponse.Parser);
            if (list.Message!.Processes.FirstOrDefault(p => p.Tag == tag) is { } process)
            {
                return process.Pid;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"process {tag} never listed");
    }

    /// <summary>Whether the process runs: gone or a zombie (killed, not yet reaped by whoever inherited it) is not running.</summary>
    private static bool IsRunning(uint pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z') is false;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
