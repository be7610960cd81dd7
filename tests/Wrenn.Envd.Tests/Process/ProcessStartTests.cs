using System.Diagnostics;
using SystemProcess = System.Diagnostics.Process;
using System.Net;
using System.Net.Http.Headers;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Envd.Tests.Process;

/// <summary>process.Process/Start against a real envd, in binary protobuf and in JSON.</summary>
public sealed class ProcessStartTests : IAsyncLifetime
{
    private RunningEnvd _envd = null!;
    private ConnectTestClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _envd = await RunningEnvd.StartAsync();
        _client = new ConnectTestClient(_envd.Http);
    }

    public async ValueTask DisposeAsync() => await _envd.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Echo_streams_start_then_stdout_then_a_clean_end(bool json)
    {
        var result = await _client.StartAsync(ConnectTestClient.Command("echo", "hello"), json, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Null(result.ErrorCode);
        Assert.Equal("{}", result.RawEnd);
        Assert.Equal(ProcessEvent.EventOneofCase.Start, result.Events[0].EventCase);
        Assert.True(result.Events[0].Start.Pid > 0);
        Assert.Equal("hello\n", ConnectTestClient.Stdout(result.Events));
        var end = result.Events[^1];
        Assert.Equal(ProcessEvent.EventOneofCase.End, end.EventCase);
        Assert.Equal(0, end.End.ExitCode);
        Assert.True(end.End.Exited);
        Assert.Equal("exit status 0", end.End.Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_failing_command_reports_stderr_and_its_exit_code(bool json)
    {
        var result = await _client.StartAsync(ConnectTestClient.Command("sh", "-c", "echo out; echo err >&2; exit 3"), json, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Null(result.ErrorCode);
        Assert.Equal("out\n", ConnectTestClient.Stdout(result.Events));
        Assert.Equal("err\n", ConnectTestClient.Stderr(result.Events));
        Assert.Equal(3, result.Events[^1].End.ExitCode);
        Assert.Equal("exit status 3", result.Events[^1].End.Status);
    }

    [Fact]
    public async Task Environment_and_working_directory_are_honoured()
    {
        var request = ConnectTestClient.Command("sh", "-c", "echo \"$GREETING\"; pwd");
        request.Process.Envs["GREETING"] = "hi there";
        request.Process.Cwd = "/tmp";

        var result = await _client.StartAsync(request, json: false, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("hi there\n/tmp\n", ConnectTestClient.Stdout(result.Events));
    }

    [Fact]
    public async Task A_timeout_kills_the_whole_process_group_and_ends_with_deadline_exceeded()
    {
        var started = Stopwatch.GetTimestamp();
        // The shell starts a background child; the timeout must take it down too.
        var result = await _client.StartAsync(
            ConnectTestClient.Command("bash", "-c", "sleep 30 & sleep 30; echo not reached"),
            json: false,
            timeoutMs: 500,
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10));
        Assert.Equal("deadline_exceeded", result.ErrorCode);
        var end = result.Events.Single(e => e.EventCase == ProcessEvent.EventOneofCase.End).End;
        Assert.False(end.Exited);
        Assert.Equal("signal: killed", end.Status);
        Assert.Equal(-1, end.ExitCode);
        var pid = (int)result.Events[0].Start.Pid;
        // Killed children may take a moment to be reaped by whoever inherited them; zombies do not count.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (SystemProcess.GetProcesses().Any(p => IsLiveInGroup(p.Id, pid)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.DoesNotContain(SystemProcess.GetProcesses(), p => IsLiveInGroup(p.Id, pid));
    }

    [Fact]
    public async Task Output_of_50_MB_arrives_complete_and_in_order_without_envd_holding_it()
    {
        // seq 1..6000000 prints ~48 MB; every line must arrive, in order.
        var result = await _client.StartAsync(ConnectTestClient.Command("seq", "1", "6000000"), json: false, cancellationToken: TestContext.Current.CancellationToken);

        var stdout = ConnectTestClient.Stdout(result.Events);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6_000_000, lines.Length);
        for (var i = 0; i < lines.Length; i += 99_991)
        {
            Assert.Equal((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), lines[i]);
        }

        Assert.Equal("6000000", lines[^1]);
        // The output is ~48 MB; envd may hold only a small buffer of it at a time.
        Assert.True(_envd.PeakResidentBytes() < 200L * 1024 * 1024, $"envd peak RSS {_envd.PeakResidentBytes() / (1024 * 1024)} MB");
    }

    [Fact]
    public async Task An_unknown_command_is_invalid_argument_before_anything_runs()
    {
        var result = await _client.StartAsync(ConnectTestClient.Command("no-such-command-here"), json: true, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("invalid_argument", result.ErrorCode);
        Assert.Contains("no-such-command-here", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(result.Events);
    }

    [Fact]
    public async Task A_missing_working_directory_is_invalid_argument()
    {
        var request = ConnectTestClient.Command("true");
        request.Process.Cwd = "/no/such/dir";
        var result = await _client.StartAsync(request, json: false, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("invalid_argument", result.ErrorCode);
    }

    [Fact]
    public async Task A_command_leads_a_session_and_a_process_group_of_its_own()
    {
        // After the command name in /proc/<pid>/stat: state, ppid, process group, session.
        var result = await _client.StartAsync(
            ConnectTestClient.Command("sh", "-c", "read -r stat < /proc/$$/stat; echo $$ \"${stat##*) }\""),
            json: false,
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Null(result.ErrorCode);
        var fields = ConnectTestClient.Stdout(result.Events).Trim().Split(' ');
        var pid = result.Events[0].Start.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(pid, fields[0]);
        Assert.Equal(_envd.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), fields[2]);
        Assert.Equal(pid, fields[3]);
        Assert.Equal(pid, fields[4]);
    }

    [Fact]
    public async Task A_command_starts_with_no_signal_blocked_and_ignores_only_what_envd_ignores()
    {
        var result = await _client.StartAsync(ConnectTestClient.Command("grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"), json: false, cancellationToken: TestContext.Current.CancellationToken);

        // Ignored signals stay ignored across exec, but for SIGPIPE and SIGXFSZ (envd's runtime ignores SIGPIPE
        // for itself); handlers and the mask do not.
        var envdIgnores = ulong.Parse(File.ReadLines($"/proc/{_envd.Pid}/status").Single(line => line.StartsWith("SigIgn:", StringComparison.Ordinal))["SigIgn:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        const ulong PipeAndFileSize = (1UL << (13 - 1)) | (1UL << (25 - 1));
        Assert.Equal($"SigBlk:\t0000000000000000\nSigIgn:\t{envdIgnores & ~PipeAndFileSize:x16}\n", ConnectTestClient.Stdout(result.Events));
    }

    [Fact]
    public async Task A_pipeline_whose_reader_ends_first_ends_quietly()
    {
        // SIGPIPE at its default: yes dies of it when head has read its line, as in a terminal, instead of
        // writing on into a closed pipe and reporting "Broken pipe" (what it did with SIGPIPE ignored).
        var result = await _client.StartAsync(ConnectTestClient.Command("sh", "-c", "yes | head -1"), json: false, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("y\n", ConnectTestClient.Stdout(result.Events));
        Assert.Equal(string.Empty, ConnectTestClient.Stderr(result.Events));
        Assert.Equal(0, result.Events[^1].End.ExitCode);
    }

    [Fact]
    public async Task Commands_running_at_once_each_report_their_own_exit_code()
    {
        var ct = TestContext.Current.CancellationToken;
        var results = await Task.WhenAll(Enumerable.Range(1, 20).Select(code =>
            _client.StartAsync(ConnectTestClient.Command("sh", "-c", $"sleep 0.{code % 5}; exit {code}"), json: false, cancellationToken: ct)));

        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(i + 1, results[i].Events[^1].End.ExitCode);
            Assert.Equal($"exit status {i + 1}", results[i].Events[^1].End.Status);
        }
    }

    [Fact]
    public async Task A_script_without_a_shebang_runs_under_sh()
    {
        var script = Path.Combine(Path.GetTempPath(), "wrenn-no-shebang-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(script, "echo \"from sh: $1\"\n", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var result = await _client.StartAsync(ConnectTestClient.Command(script, "arg"), json: false, cancellationToken: TestContext.Current.CancellationToken);

            Assert.Null(result.ErrorCode);
            Assert.Equal("from sh: arg\n", ConnectTestClient.Stdout(result.Events));
            Assert.Equal(0, result.Events[^1].End.ExitCode);
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public async Task A_file_that_is_not_executable_is_invalid_argument()
    {
        var file = Path.Combine(Path.GetTempPath(), "wrenn-not-executable-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(file, "echo never\n", TestContext.Current.CancellationToken);
        try
        {
            var result = await _client.StartAsync(ConnectTestClient.Command(file), json: true, cancellationToken: TestContext.Current.CancellationToken);

            Assert.Equal("invalid_argument", result.ErrorCode);
            Assert.Contains(file, result.ErrorMessage, StringComparison.Ordinal);
            Assert.Contains("Permission denied", result.ErrorMessage, StringComparison.Ordinal);
            Assert.Empty(result.Events);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_compressed_request_is_unimplemented()
    {
        using var message = ConnectTestClient.StartMessage(ConnectTestClient.Command("true"), json: false, flags: 0x01);
        using var response = await _envd.Http.SendAsync(message, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"unimplemented\"", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_timeout_header_is_invalid_argument()
    {
        using var message = ConnectTestClient.StartMessage(ConnectTestClient.Command("true"), json: false);
        message.Headers.Add("Connect-Timeout-Ms", "soon");
        using var response = await _envd.Http.SendAsync(message, TestContext.Current.CancellationToken);
        Assert.Contains("\"invalid_argument\"", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_content_type_is_415_and_unknown_procedure_is_404()
    {
        using var wrongType = new HttpRequestMessage(HttpMethod.Post, "/process.Process/Start") { Content = new StringContent("{}") };
        wrongType.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        using var refused = await _envd.Http.SendAsync(wrongType, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused.StatusCode);

        using var unknown = new HttpRequestMessage(HttpMethod.Post, "/process.Process/Teleport") { Content = new ByteArrayContent([0, 0, 0, 0, 0]) };
        unknown.Content.Headers.ContentType = new MediaTypeHeaderValue("application/connect+proto");
        using var missing = await _envd.Http.SendAsync(unknown, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_process_outlives_the_stream_that_started_it()
    {
        var marker = Path.Combine(Path.GetTempPath(), "wrenn-envd-outlives-" + Guid.NewGuid().ToString("N"));
        using (var cancel = new CancellationTokenSource())
        {
            using var message = ConnectTestClient.StartMessage(ConnectTestClient.Command("sh", "-c", $"sleep 1; echo done > {marker}"), json: false);
            using var response = await _envd.Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
            // Hang up as soon as the stream started.
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!File.Exists(marker) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.True(File.Exists(marker), "the process did not finish after its client hung up");
        File.Delete(marker);
    }

    [Fact]
    public async Task List_shows_a_running_process_in_unary_protobuf()
    {
        var request = ConnectTestClient.Command("sleep", "3");
        request.Tag = "sleeper";
        using var message = ConnectTestClient.StartMessage(request, json: false);
        using var stream = await _envd.Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);

        using var list = new HttpRequestMessage(HttpMethod.Post, "/process.Process/List") { Content = new ByteArrayContent([]) };
        list.Content.Headers.ContentType = new MediaTypeHeaderValue("application/proto");
        using var response = await _envd.Http.SendAsync(list, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var processes = ListResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        var sleeper = Assert.Single(processes.Processes, p => p.Tag == "sleeper");
        Assert.Equal("sleep", sleeper.Config.Cmd);
    }

    private static bool IsLiveInGroup(int pid, int group)
    {
        try
        {
            // After the command name in /proc/<pid>/stat: state, ppid, process group.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[0] != "Z" && int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture) == group;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
