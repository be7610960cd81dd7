using System.Text;
using System.Text.Json;

namespace Wrenn.Sdk.Tests;

/// <summary>The exec WebSocket without a platform: how output pieces become text and bytes, and what a pseudo-terminal command sends.</summary>
[Collection(SdkCollection.Name)]
public sealed class CommandStreamTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string Piece(string type, params byte[] bytes) =>
        JsonSerializer.Serialize(new Dictionary<string, string> { ["type"] = type, ["data"] = Convert.ToBase64String(bytes), ["encoding"] = "base64" });

    private static WrennClient Client(FakeExecServer server) => new(new HttpClient(), new WrennSettings(new Uri(server.Url), "wrn_key"));

    [Fact]
    public async Task A_character_cut_between_two_pieces_comes_out_whole_and_the_bytes_exactly()
    {
        // "é" is C3 A9 and "€" E2 82 AC: the server's pieces cut both in the middle.
        await using var server = new FakeExecServer(
            Piece("stdout", 0x61, 0xC3),
            Piece("stdout", 0xA9, 0xE2, 0x82),
            Piece("stdout", 0xAC, 0x0A),
            Piece("stderr", 0xE2),
            Piece("stderr", 0x82, 0xAC),
            """{"type": "exit", "exit_code": 0}""");
        using var client = Client(server);
        var sandbox = await client.ConnectAsync("sb-0000000000000001", Token);
        var bytes = new List<byte>();
        var pieces = new List<string>();

        var result = await sandbox.Commands.RunAsync("printf", new CommandOptions { OnStdoutBytes = b => bytes.AddRange(b.ToArray()), OnStdout = pieces.Add }, Token);

        Assert.Equal(new CommandResult("aé€\n", "€", 0), result);
        Assert.Equal("aé€\n", string.Concat(pieces));
        Assert.DoesNotContain(pieces, p => p.Contains('\uFFFD', StringComparison.Ordinal));
        Assert.Equal(Encoding.UTF8.GetBytes("aé€\n"), bytes);
    }

    [Fact]
    public async Task Collect_output_false_keeps_nothing_but_the_callbacks_see_everything()
    {
        await using var server = new FakeExecServer(Piece("stdout", 0x6F, 0x6B), """{"type": "exit", "exit_code": 3}""");
        using var client = Client(server);
        var sandbox = await client.ConnectAsync("sb-0000000000000001", Token);
        var seen = new StringBuilder();

        var result = await sandbox.Commands.RunAsync("x", new CommandOptions { CollectOutput = false, OnStdout = t => seen.Append(t) }, Token);

        Assert.Equal((new CommandResult(string.Empty, string.Empty, 3), "ok"), (result, seen.ToString()));
    }

    [Fact]
    public async Task A_pty_command_asks_for_a_terminal_of_its_size_and_sends_resizes()
    {
        await using var server = new FakeExecServer("""{"type": "exit", "exit_code": 0}""") { WaitForSecondMessage = true };
        using var client = Client(server);
        var sandbox = await client.ConnectAsync("sb-0000000000000001", Token);

        await using var handle = await sandbox.Commands.StartAsync("/bin/bash", new CommandOptions { Args = ["-l"], Pty = new TerminalSize(100, 30) }, Token);
        await handle.ResizeAsync(new TerminalSize(120, 40), Token);
        await server.SecondMessage.Task.WaitAsync(Token);
        Assert.Equal(0, (await handle.WaitAsync(Token)).ExitCode);

        using var start = JsonDocument.Parse(server.Received[0]);
        Assert.Equal(("/bin/bash", 100, 30), (start.RootElement.GetProperty("cmd").GetString(), start.RootElement.GetProperty("pty").GetProperty("cols").GetInt32(), start.RootElement.GetProperty("pty").GetProperty("rows").GetInt32()));
        using var resize = JsonDocument.Parse(server.Received[1]);
        Assert.Equal(("resize", 120, 40), (resize.RootElement.GetProperty("type").GetString(), resize.RootElement.GetProperty("cols").GetInt32(), resize.RootElement.GetProperty("rows").GetInt32()));
    }
}
