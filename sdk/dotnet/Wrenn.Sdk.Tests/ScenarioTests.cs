using System.Security.Cryptography;
using System.Text;

namespace Wrenn.Sdk.Tests;

/// <summary>The scenario suite every Wrenn SDK runs, against the platform named by WRENN_API_URL / WRENN_API_KEY (run-tests.sh refuses to run without them).</summary>
[Collection(SdkCollection.Name)]
public sealed class ScenarioTests : IAsyncLifetime
{
    private readonly WrennClient _client = new();
    private Sandbox _sandbox = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _sandbox = await _client.CreateSandboxAsync(new CreateSandboxOptions { Metadata = new Dictionary<string, string> { ["suite"] = "dotnet" } }, Token);

    public async ValueTask DisposeAsync()
    {
        await _sandbox.DisposeAsync();
        _client.Dispose();
    }

    [Fact]
    public async Task Run_returns_output_and_exit_codes()
    {
        var result = await _sandbox.Commands.RunAsync("echo out; echo err >&2; exit 3", cancellationToken: Token);
        Assert.Equal(new CommandResult("out\n", "err\n", 3), result);
        Assert.Equal("42\n", (await _sandbox.Commands.RunAsync("python3", new CommandOptions { Args = ["-c", "print(6*7)"] }, Token)).Stdout);
        await Assert.ThrowsAsync<WrennCommandException>(() => _sandbox.Commands.RunAsync("false", new CommandOptions { ThrowOnNonZeroExit = true }, Token));
    }

    [Fact]
    public async Task Streams_ten_thousand_lines_in_order()
    {
        var text = new StringBuilder();
        var exit = -1;
        await foreach (var output in _sandbox.Commands.StreamAsync("seq 1 10000", cancellationToken: Token))
        {
            switch (output)
            {
                case CommandOutput.Stdout stdout:
                    text.Append(stdout.Text);
                    break;
                case CommandOutput.Exited exited:
                    exit = exited.ExitCode;
                    break;
            }
        }

        Assert.Equal(0, exit);
        Assert.Equal(Enumerable.Range(1, 10000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Background_command_can_be_killed_and_stdin_reaches_commands()
    {
        await using (var sleeper = await _sandbox.Commands.StartAsync("sleep 60", cancellationToken: Token))
        {
            await Task.Delay(500, Token);
            await sleeper.KillAsync(Token);
            Assert.NotEqual(0, (await sleeper.WaitAsync(Token)).ExitCode);
        }

        Assert.Equal("HELLO\n", (await _sandbox.Commands.RunAsync("tr a-z A-Z", new CommandOptions { Stdin = "hello\n" }, Token)).Stdout);
        await using var cat = await _sandbox.Commands.StartAsync("cat", cancellationToken: Token);
        await cat.SendStdinAsync("one\n", Token);
        await cat.SendStdinAsync("two\n"u8.ToArray(), Token);
        await cat.CloseStdinAsync(Token);
        Assert.Equal("one\ntwo\n", (await cat.WaitAsync(Token)).Stdout);
        await Assert.ThrowsAsync<WrennTimeoutException>(() => _sandbox.Commands.RunAsync("sleep 30", new CommandOptions { Timeout = TimeSpan.FromSeconds(1) }, Token));
    }

    [Fact]
    public async Task A_50_MB_file_round_trips_with_its_checksum()
    {
        var data = RandomNumberGenerator.GetBytes(50 * 1024 * 1024);
        await using (var source = new MemoryStream(data))
        {
            Assert.Equal(data.Length, await _sandbox.Files.WriteAsync("/home/user/big.bin", source, cancellationToken: Token));
        }

        await using var back = await _sandbox.Files.OpenReadAsync("/home/user/big.bin", cancellationToken: Token);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), Convert.ToHexStringLower(await SHA256.HashDataAsync(back, Token)));
    }

    [Fact]
    public async Task Files_write_read_list_exist_make_dirs_and_go_away()
    {
        await _sandbox.Files.WriteAsync("notes/a.txt", "text", cancellationToken: Token);
        await _sandbox.Files.WriteAsync("/home/user/notes/b.bin", [0, 1], cancellationToken: Token);
        await _sandbox.Files.WriteFilesAsync([("/home/user/notes/c.txt", "c"), ("/home/user/notes/d.txt", "d")], cancellationToken: Token);
        Assert.Equal("text", await _sandbox.Files.ReadTextAsync("/home/user/notes/a.txt", cancellationToken: Token));
        Assert.Equal([0, 1], await _sandbox.Files.ReadBytesAsync("/home/user/notes/b.bin", cancellationToken: Token));
        Assert.Equal(["a.txt", "b.bin", "c.txt", "d.txt"], (await _sandbox.Files.ListAsync("/home/user/notes", cancellationToken: Token)).Select(e => e.Name).Order());
        Assert.True(await _sandbox.Files.ExistsAsync("/home/user/notes/c.txt", cancellationToken: Token));
        Assert.False(await _sandbox.Files.ExistsAsync("/home/user/notes/zzz", cancellationToken: Token));
        Assert.False(await _sandbox.Files.ExistsAsync("/no/such/dir/file", cancellationToken: Token));
        Assert.True(await _sandbox.Files.MakeDirAsync("/home/user/made/deep", cancellationToken: Token));
        Assert.False(await _sandbox.Files.MakeDirAsync("/home/user/made/deep", cancellationToken: Token));
        await _sandbox.Files.RemoveAsync("/home/user/notes", cancellationToken: Token);
        Assert.False(await _sandbox.Files.ExistsAsync("/home/user/notes", cancellationToken: Token));
        await Assert.ThrowsAsync<WrennNotFoundException>(() => _sandbox.Files.ReadTextAsync("/home/user/notes/a.txt", cancellationToken: Token));
        await Assert.ThrowsAsync<WrennForbiddenException>(() => _sandbox.Files.WriteAsync("/etc/evil", "x", cancellationToken: Token));
    }

    [Fact]
    public async Task Pause_and_resume_keep_state_and_list_and_connect_find_it()
    {
        await _sandbox.Commands.RunAsync("echo kept > /tmp/state; nohup sh -c 'i=0; while true; do i=$((i+1)); echo $i > /tmp/counter; sleep 0.05; done' >/dev/null 2>&1 &", cancellationToken: Token);
        await Task.Delay(300, Token);
        Assert.Equal("paused", (await _sandbox.PauseAsync(Token)).State);
        await Assert.ThrowsAsync<WrennConflictException>(() => _sandbox.Commands.RunAsync("true", cancellationToken: Token));
        Assert.Equal("running", (await _sandbox.ResumeAsync(cancellationToken: Token)).State);
        var first = int.Parse(await _sandbox.Files.ReadTextAsync("/tmp/counter", cancellationToken: Token), System.Globalization.CultureInfo.InvariantCulture);
        await Task.Delay(300, Token);
        Assert.True(int.Parse(await _sandbox.Files.ReadTextAsync("/tmp/counter", cancellationToken: Token), System.Globalization.CultureInfo.InvariantCulture) > first);
        Assert.Equal("kept\n", await _sandbox.Files.ReadTextAsync("/tmp/state", cancellationToken: Token));

        Assert.Contains(_sandbox.Id, (await _client.ListSandboxesAsync(metadata: new Dictionary<string, string> { ["suite"] = "dotnet" }, cancellationToken: Token)).Select(s => s.Id));
        Assert.Equal("running", (await _client.ConnectAsync(_sandbox.Id, Token)).Info.State);
        await _sandbox.PingAsync(Token);
        await _sandbox.SetTimeoutAsync(TimeSpan.Zero, Token);
    }

    [Fact]
    public async Task Template_round_trip()
    {
        var name = "cs-" + Guid.NewGuid().ToString("N")[..8];
        await _sandbox.Files.WriteAsync("/home/user/from-template.txt", "inside", cancellationToken: Token);
        Assert.Equal(name, (await _sandbox.CreateTemplateAsync(name, Token)).Name);
        try
        {
            Assert.Contains(name, (await _client.ListTemplatesAsync(Token)).Select(t => t.Name));
            await using var child = await _client.CreateSandboxAsync(new CreateSandboxOptions { Template = name }, Token);
            Assert.Equal("inside", await child.Files.ReadTextAsync("/home/user/from-template.txt", cancellationToken: Token));
        }
        finally
        {
            await _client.DeleteTemplateAsync(name, Token);
        }

        Assert.DoesNotContain(name, (await _client.ListTemplatesAsync(Token)).Select(t => t.Name));
    }

    [Fact]
    public async Task Errors_for_a_bad_id_and_a_bad_key_and_kill()
    {
        var missing = await Assert.ThrowsAsync<WrennNotFoundException>(() => _client.ConnectAsync("sb-0000000000000000", Token));
        Assert.Equal("not_found", missing.Code);
        using var stranger = new WrennClient(new WrennOptions { ApiKey = "wrn_00000000000000000000000000000000" });
        await Assert.ThrowsAsync<WrennUnauthorizedException>(() => stranger.ListSandboxesAsync(cancellationToken: Token));

        var doomed = await _client.CreateSandboxAsync(cancellationToken: Token);
        await doomed.KillAsync(Token);
        Assert.Equal("stopped", (await doomed.RefreshAsync(Token)).State);
        await doomed.KillAsync(Token);
    }
}
