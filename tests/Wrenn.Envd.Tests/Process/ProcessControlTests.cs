using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Envd.Tests.Process;

/// <summary>Attaching to, feeding, signalling and resizing processes, through the Connect API.</summary>
public sealed class ProcessControlTests : IAsyncLifetime
{
    private RunningEnvd _envd = null!;
    private ConnectTestClient _streams = null!;
    private ConnectUnaryClient _unary = null!;

    public async ValueTask InitializeAsync()
    {
        _envd = await RunningEnvd.StartAsync();
        _streams = new ConnectTestClient(_envd.Http);
        _unary = new ConnectUnaryClient(_envd.Http);
    }

    public async ValueTask DisposeAsync() => await _envd.DisposeAsync();

    [Fact]
    public async Task SendInput_feeds_stdin_and_CloseStdin_ends_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var request = ConnectTestClient.Command("cat");
        request.Stdin = true;
        request.Tag = "cat-" + Guid.NewGuid().ToString("N");
        var running = _streams.StartAsync(request, json: false, cancellationToken: ct);
        var selector = new ProcessSelector { Tag = request.Tag };
        await WaitUntilListedAsync(request.Tag);

        var sent = await _unary.CallAsync("process.Process/SendInput", new SendInputRequest { Process = selector, Input = new ProcessInput { Stdin = ByteString.CopyFromUtf8("ping\n") } }, SendInputResponse.Parser);
        Assert.Equal(HttpStatusCode.OK, sent.Status);
        var closed = await _unary.CallAsync("process.Process/CloseStdin", new CloseStdinRequest { Process = selector }, CloseStdinResponse.Parser, json: true);
        Assert.Equal(HttpStatusCode.OK, closed.Status);

        var result = await running;
        Assert.Equal("ping\n", ConnectTestClient.Stdout(result.Events));
        Assert.Equal(0, result.Events[^1].End.ExitCode);
    }

    [Fact]
    public async Task StreamInput_is_a_client_stream_whose_data_arrives_in_order()
    {
        var ct = TestContext.Current.CancellationToken;
        var request = ConnectTestClient.Command("head", "-c", "12");
        request.Stdin = true;
        request.Tag = "head-" + Guid.NewGuid().ToString("N");
        var running = _streams.StartAsync(request, json: false, cancellationToken: ct);
        await WaitUntilListedAsync(request.Tag);

        var messages = new List<StreamInputRequest>
        {
            new() { Start = new StreamInputRequest.Types.StartEvent { Process = new ProcessSelector { Tag = request.Tag } } },
        };
        foreach (var chunk in new[] { "one ", "two ", "three" })
        {
            messages.Add(new StreamInputRequest { Data = new StreamInputRequest.Types.DataEvent { Input = new ProcessInput { Stdin = ByteString.CopyFromUtf8(chunk) } } });
        }

        var body = new MemoryStream();
        foreach (var message in messages)
        {
            var payload = message.ToByteArray();
            var header = new byte[5];
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(1), payload.Length);
            body.Write(header);
            body.Write(payload);
        }

        using var call = new HttpRequestMessage(HttpMethod.Post, "/process.Process/StreamInput") { Content = new ByteArrayContent(body.ToArray()) };
        call.Content.Headers.ContentType = new MediaTypeHeaderValue("application/connect+proto");
        using var response = await _envd.Http.SendAsync(call, ct);
        var reply = await response.Content.ReadAsByteArrayAsync(ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // One (empty) response message, then the end of the stream without an error.
        Assert.Equal(0, reply[0]);
        var endOffset = 5 + BinaryPrimitives.ReadInt32BigEndian(reply.AsSpan(1));
        Assert.Equal(2, reply[endOffset]);
        Assert.Equal("{}", Encoding.UTF8.GetString(reply.AsSpan(endOffset + 5)));

        var result = await running;
        Assert.Equal("one two thre", ConnectTestClient.Stdout(result.Events));
    }

    [Fact]
    public async Task Connect_attaches_to_a_running_process_and_sees_its_further_output_and_end()
    {
        var ct = TestContext.Current.CancellationToken;
        var request = ConnectTestClient.Command("sh", "-c", "sleep 0.5; echo later; exit 4");
        request.Tag = "later-" + Guid.NewGuid().ToString("N");
        var starter = _streams.StartAsync(request, json: false, cancellationToken: ct);
        await WaitUntilListedAsync(request.Tag);

        var attach = new ConnectRequest { Process = new ProcessSelector { Tag = request.Tag } };
        using var message = new HttpRequestMessage(HttpMethod.Post, "/process.Process/Connect")
        {
            Content = new ByteArrayContent(Frame(attach.ToByteArray())),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/connect+proto");
        using var response = await _envd.Http.SendAsync(message, ct);
        var events = ParseEvents(await response.Content.ReadAsByteArrayAsync(ct));

        Assert.Equal(ProcessEvent.EventOneofCase.Start, events[0].EventCase);
        Assert.Equal("later\n", ConnectTestClient.Stdout(events));
        Assert.Equal(4, events[^1].End.ExitCode);
        await starter;
    }

    [Fact]
    public async Task Connecting_just_after_a_process_ended_still_yields_its_end()
    {
        var ct = TestContext.Current.CancellationToken;
        var request = ConnectTestClient.Command("sh", "-c", "exit 9");
        request.Tag = "quick-" + Guid.NewGuid().ToString("N");
        var result = await _streams.StartAsync(request, json: false, cancellationToken: ct);
        Assert.Equal(9, result.Events[^1].End.ExitCode);

        var attach = new ConnectRequest { Process = new ProcessSelector { Tag = request.Tag } };
        using var message = new HttpRequestMessage(HttpMethod.Post, "/process.Process/Connect") { Content = new ByteArrayContent(Frame(attach.ToByteArray())) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/connect+proto");
        using var response = await _envd.Http.SendAsync(message, ct);
        var events = ParseEvents(await response.Content.ReadAsByteArrayAsync(ct));
        Assert.Equal(ProcessEvent.EventOneofCase.Start, events[0].EventCase);
        Assert.Equal(9, events[^1].End.ExitCode);
    }

    [Fact]
    public async Task Unknown_processes_are_not_found()
    {
        var missing = new ProcessSelector { Pid = 999_999 };
        var signal = await _unary.CallAsync("process.Process/SendSignal", new SendSignalRequest { Process = missing, Signal = Signal.Sigkill }, SendSignalResponse.Parser);
        Assert.Equal(HttpStatusCode.NotFound, signal.Status);
        Assert.Equal("not_found", signal.ErrorCode);

        var input = await _unary.CallAsync("process.Process/SendInput", new SendInputRequest { Process = new ProcessSelector { Tag = "nobody" }, Input = new ProcessInput { Stdin = ByteString.CopyFromUtf8("x") } }, SendInputResponse.Parser, json: true);
        Assert.Equal("not_found", input.ErrorCode);
    }

    [Fact]
    public async Task SendSignal_terminates_a_process_and_its_children()
    {
        var ct = TestContext.Current.CancellationToken;
        var request = ConnectTestClient.Command("bash", "-c", "sleep 60 & sleep 60");
        request.Tag = "sleepers-" + Guid.NewGuid().ToString("N");
        var running = _streams.StartAsync(request, json: false, cancellationToken: ct);
        await WaitUntilListedAsync(request.Tag);

        var sent = await _unary.CallAsync("process.Process/SendSignal", new SendSignalRequest { Process = new ProcessSelector { Tag = request.Tag }, Signal = Signal.Sigterm }, SendSignalResponse.Parser);
        Assert.Equal(HttpStatusCode.OK, sent.Status);
        var result = await running;
        var end = result.Events[^1].End;
        Assert.False(end.Exited);
        Assert.Equal("signal: terminated", end.Status);
    }

    [Fact]
    public async Task A_pty_process_gets_a_terminal_of_the_asked_size_which_can_change()
    {
        var ct = TestContext.Current.CancellationToken;
        // The first size goes to a file the test can watch: resizing before bash has asked for it would
        // make the test see the second size twice (it did, on a busy machine).
        var firstSize = Path.Combine(Path.GetTempPath(), "wrenn-pty-" + Guid.NewGuid().ToString("N"));
        var request = ConnectTestClient.Command("bash", "-c", $"stty size > {firstSize}.tmp && mv {firstSize}.tmp {firstSize}; read line; stty size; echo got:$line");
        request.Pty = new PTY { Size = new PTY.Types.Size { Cols = 91, Rows = 17 } };
        request.Tag = "pty-" + Guid.NewGuid().ToString("N");
        var running = _streams.StartAsync(request, json: true, cancellationToken: ct);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(firstSize) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, ct);
        }

        Assert.Equal("17 91\n", File.ReadAllText(firstSize));
        File.Delete(firstSize);
        var selector = new ProcessSelector { Tag = request.Tag };

        var resized = await _unary.CallAsync("process.Process/Update", new UpdateRequest { Process = selector, Pty = new PTY { Size = new PTY.Types.Size { Cols = 120, Rows = 40 } } }, UpdateResponse.Parser);
        Assert.Equal(HttpStatusCode.OK, resized.Status);
        var input = await _unary.CallAsync("process.Process/SendInput", new SendInputRequest { Process = selector, Input = new ProcessInput { Pty = ByteString.CopyFromUtf8("hi\n") } }, SendInputResponse.Parser);
        Assert.Equal(HttpStatusCode.OK, input.Status);

        var result = await running;
        var terminal = Encoding.UTF8.GetString([.. result.Events.Where(e => e.EventCase == ProcessEvent.EventOneofCase.Data).SelectMany(e => e.Data.Pty.ToByteArray())]);
        Assert.Contains("40 120", terminal, StringComparison.Ordinal);
        Assert.Contains("got:hi", terminal, StringComparison.Ordinal);
        Assert.Empty(ConnectTestClient.Stdout(result.Events));
    }

    [Fact]
    public async Task Resizing_a_process_without_a_terminal_fails_and_closing_absent_stdin_is_harmless()
    {
        var ct = TestContext.Current.CancellationToken;
        var request = ConnectTestClient.Command("sleep", "2");
        request.Tag = "plain-" + Guid.NewGuid().ToString("N");
        var running = _streams.StartAsync(request, json: false, cancellationToken: ct);
        await WaitUntilListedAsync(request.Tag);
        var selector = new ProcessSelector { Tag = request.Tag };

        var resize = await _unary.CallAsync("process.Process/Update", new UpdateRequest { Process = selector, Pty = new PTY { Size = new PTY.Types.Size { Cols = 1, Rows = 1 } } }, UpdateResponse.Parser);
        Assert.Equal("failed_precondition", resize.ErrorCode);
        var close = await _unary.CallAsync("process.Process/CloseStdin", new CloseStdinRequest { Process = selector }, CloseStdinResponse.Parser);
        Assert.Equal(HttpStatusCode.OK, close.Status);
        await _unary.CallAsync("process.Process/SendSignal", new SendSignalRequest { Process = selector, Signal = Signal.Sigkill }, SendSignalResponse.Parser);
        await running;
    }

    private async Task WaitUntilListedAsync(string tag)
    {
        for (var i = 0; i < 200; i++)
        {
            var list = await _unary.CallAsync("process.Process/List", new ListRequest(), ListResponse.Parser);
            if (list.Message!.Processes.Any(p => p.Tag == tag))
            {
                return;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"process {tag} never listed");
    }

    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    private static List<ProcessEvent> ParseEvents(byte[] body)
    {
        var events = new List<ProcessEvent>();
        for (var offset = 0; offset + 5 <= body.Length;)
        {
            var flags = body[offset];
            var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(offset + 1));
            if ((flags & 2) == 0)
            {
                events.Add(ConnectResponse.Parser.ParseFrom(body.AsSpan(offset + 5, length)).Event);
            }

            offset += 5 + length;
        }

        return events;
    }
}
