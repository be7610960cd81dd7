namespace Wrenn.Envd.Tests.Process;

/// <summary>
/// envd's log goes to the sandbox's console, which the host keeps on disk: it must not copy every
/// command's arguments (secrets, file contents, prompts) there.
/// </summary>
public sealed class ProcessLoggingTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_started_process_is_logged_without_its_arguments(bool terminal)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var envd = await RunningEnvd.StartAsync();
        var client = new ConnectTestClient(envd.Http);
        const string Secret = "sk-live-4f1d9c0e7b2a";

        var command = ConnectTestClient.Command("echo", Secret, "second");
        if (terminal)
        {
            command.Pty = new Protocol.Process.PTY { Size = new Protocol.Process.PTY.Types.Size { Cols = 80, Rows = 24 } };
        }

        var result = await client.StartAsync(command, json: false, cancellationToken: ct);
        Assert.Null(result.ErrorCode);

        // The log line is written as the process starts; give the console a moment to pass it on.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!envd.Output.Any(l => l.Contains("Started pid", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, ct);
        }

        var started = Assert.Single(envd.Output, l => l.Contains("Started pid", StringComparison.Ordinal));
        Assert.Contains("echo with 2 argument(s)", started, StringComparison.Ordinal);
        Assert.DoesNotContain(envd.Output, l => l.Contains(Secret, StringComparison.Ordinal));
    }
}
