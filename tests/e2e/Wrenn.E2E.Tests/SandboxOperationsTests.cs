using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Wrenn.E2E.Tests;

/// <summary>Pause and resume, ping and timeouts, streaming exec, files: through the public API of `wrenn up`.</summary>
[Collection(PlatformCollection.Name)]
public sealed class SandboxOperationsTests(PlatformFixture fixture)
{
    private RunningPlatform Platform => fixture.Platform;

    [Fact]
    public async Task Pause_freezes_processes_and_resume_continues_them()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await CreateAsync(new { });
        try
        {
            await ExecAsync(id, "nohup bash -c 'i=0; while true; do i=$((i+1)); echo $i > /tmp/counter; sleep 0.05; done' >/dev/null 2>&1 &");
            await Task.Delay(300, ct);

            var paused = await PostAsync($"/v1/sandboxes/{id}/pause", null, HttpStatusCode.OK);
            Assert.Equal("paused", paused.GetProperty("state").GetString());
            using (var refused = await Platform.Http.PostAsJsonAsync($"/v1/sandboxes/{id}/exec", new { cmd = "true" }, ct))
            {
                Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            }

            await PostAsync($"/v1/sandboxes/{id}/pause", null, HttpStatusCode.Conflict);
            var resumed = await PostAsync($"/v1/sandboxes/{id}/resume", new { timeout_sec = 600 }, HttpStatusCode.OK);
            Assert.Equal("running", resumed.GetProperty("state").GetString());
            Assert.Equal(600, resumed.GetProperty("timeout_sec").GetInt32());

            var first = int.Parse((await ExecAsync(id, "cat /tmp/counter")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            await Task.Delay(300, ct);
            var later = int.Parse((await ExecAsync(id, "cat /tmp/counter")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(later > first, $"counter did not move after resume: {first} then {later}");
        }
        finally
        {
            await DeleteAsync(id);
        }
    }

    [Fact]
    public async Task An_idle_sandbox_is_paused_by_its_host_and_ping_and_timeout_work()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await CreateAsync(new { timeout_sec = 2 });
        try
        {
            var pinged = await PostAsync($"/v1/sandboxes/{id}/ping", null, HttpStatusCode.OK);
            Assert.Equal("running", pinged.GetProperty("state").GetString());

            // The host pauses it within timeout + one reaper period; the control plane learns of it.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            string state;
            do
            {
                await Task.Delay(500, ct);
                using var response = await Platform.Http.GetAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), ct);
                state = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("state").GetString()!;
            }
            while (state != "paused" && DateTime.UtcNow < deadline);
            Assert.Equal("paused", state);

            var changed = await PostAsync($"/v1/sandboxes/{id}/timeout", new { timeout_sec = 0 }, HttpStatusCode.OK);
            Assert.Equal(0, changed.GetProperty("timeout_sec").GetInt32());
            await PostAsync($"/v1/sandboxes/{id}/timeout", new { timeout_sec = -5 }, HttpStatusCode.BadRequest);
            await PostAsync($"/v1/sandboxes/{id}/resume", null, HttpStatusCode.OK);
            Assert.Equal("ok\n", await ExecAsync(id, "echo ok"));
        }
        finally
        {
            await DeleteAsync(id);
        }
    }

    [Fact]
    public async Task Metrics_report_the_sandboxs_own_use()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await CreateAsync(new { vcpus = 2, memory_mb = 256 });
        try
        {
            await ExecAsync(id, "head -c 5000000 /dev/urandom > /tmp/blob");
            using var response = await Platform.Http.GetAsync(new Uri($"/v1/sandboxes/{id}/metrics", UriKind.Relative), ct);
            var metrics = await ReadAsync(response, HttpStatusCode.OK);
            Assert.Equal(2, metrics.GetProperty("cpu_count").GetInt32());
            Assert.Equal(256L * 1024 * 1024, metrics.GetProperty("memory_limit_bytes").GetInt64());
            Assert.True(metrics.GetProperty("memory_used_bytes").GetInt64() > 0);
            Assert.True(metrics.GetProperty("disk_used_bytes").GetInt64() >= 5_000_000);
        }
        finally
        {
            await DeleteAsync(id);
        }
    }

    [Fact]
    public async Task Exec_stream_over_a_websocket_carries_output_in_order_and_stdin()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await CreateAsync(new { });
        try
        {
            using var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("X-API-Key", Platform.ApiKey);
            var url = new Uri($"ws://{Platform.ApiUrl.Authority}/v1/sandboxes/{id}/exec/stream");
            await socket.ConnectAsync(url, ct);
            await SendAsync(socket, new { cmd = "seq 1 10000; read line; echo got:$line; echo done >&2; exit 7" });
            await SendAsync(socket, new { type = "stdin", data = "hello\n" });

            var events = await ReadAllAsync(socket);
            Assert.Equal("started", events[0].GetProperty("type").GetString());
            var stdout = string.Concat(events.Where(e => e.GetProperty("type").GetString() == "stdout").Select(e => e.GetProperty("data").GetString()));
            Assert.Equal(string.Join('\n', Enumerable.Range(1, 10000)) + "\ngot:hello\n", stdout);
            Assert.Equal("done\n", string.Concat(events.Where(e => e.GetProperty("type").GetString() == "stderr").Select(e => e.GetProperty("data").GetString())));
            var exit = events[^1];
            Assert.Equal("exit", exit.GetProperty("type").GetString());
            Assert.Equal(7, exit.GetProperty("exit_code").GetInt32());
            Assert.False(exit.GetProperty("timed_out").GetBoolean());
        }
        finally
        {
            await DeleteAsync(id);
        }
    }

    [Fact]
    public async Task File_calls_have_their_users_permissions()
    {
        var api = new PlatformCalls(Platform);
        var ct = TestContext.Current.CancellationToken;
        var id = await api.CreateSandboxAsync(new { });
        try
        {
            using (var refused = await Platform.Http.PostAsync(new Uri($"/v1/sandboxes/{id}/files?path=/etc/evil.conf", UriKind.Relative), new ByteArrayContent("x"u8.ToArray()), ct))
            {
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
                Assert.Equal("forbidden", JsonDocument.Parse(await refused.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("error").GetProperty("code").GetString());
            }

            using (var asRoot = await Platform.Http.PostAsync(new Uri($"/v1/sandboxes/{id}/files?path=/etc/fine.conf&user=root", UriKind.Relative), new ByteArrayContent("x"u8.ToArray()), ct))
            {
                Assert.Equal(HttpStatusCode.OK, asRoot.StatusCode);
            }

            Assert.Equal("no\n", await api.ExecAsync(id, "test -e /etc/evil.conf && echo yes || echo no"));
            using var secret = await Platform.Http.GetAsync(new Uri($"/v1/sandboxes/{id}/files?path=/etc/shadow", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.Forbidden, secret.StatusCode);
        }
        finally
        {
            await api.DeleteSandboxQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task A_command_whose_caller_hangs_up_is_killed()
    {
        var api = new PlatformCalls(Platform);
        var id = await api.CreateSandboxAsync(new { });
        try
        {
            using (var hangUp = new CancellationTokenSource(TimeSpan.FromSeconds(3)))
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Platform.Http.PostAsJsonAsync($"/v1/sandboxes/{id}/exec", new { cmd = "sleep 45 && touch /tmp/finished", timeout_sec = 60 }, hangUp.Token));
            }

            // The bracket keeps pgrep from finding its own shell's command line.
            var left = "unchecked";
            for (var attempt = 0; attempt < 50 && left.Length > 0; attempt++)
            {
                await Task.Delay(200, TestContext.Current.CancellationToken);
                left = (await api.PostAsync($"/v1/sandboxes/{id}/exec", new { cmd = "pgrep -f 'sleep 4[5]' || true" }, HttpStatusCode.OK)).GetProperty("stdout").GetString()!.Trim();
            }

            Assert.Equal(string.Empty, left);
        }
        finally
        {
            await api.DeleteSandboxQuietlyAsync(id);
        }
    }

    [Fact]
    public async Task Exec_stream_as_ndjson_streams_lines_and_reports_a_timeout()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await CreateAsync(new { });
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/sandboxes/{id}/exec/stream") { Content = JsonContent.Create(new { cmd = "echo one; sleep 30", timeout_sec = 1 }) };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/x-ndjson"));
            using var response = await Platform.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
            var lines = (await response.Content.ReadAsStringAsync(ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal("started", lines[0].GetProperty("type").GetString());
            Assert.Contains(lines, l => l.GetProperty("type").GetString() == "stdout" && l.GetProperty("data").GetString() == "one\n");
            var exit = lines[^1];
            Assert.Equal("exit", exit.GetProperty("type").GetString());
            Assert.True(exit.GetProperty("timed_out").GetBoolean());
        }
        finally
        {
            await DeleteAsync(id);
        }
    }

    [Fact]
    public async Task Files_upload_and_download_stream_without_holding_them_in_memory()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await CreateAsync(new { memory_mb = 512 });
        try
        {
            const long size = 200L * 1024 * 1024;
            var before = ProcessesRss();
            var source = new PatternStream(size);
            using (var upload = new StreamContent(source, 64 * 1024))
            {
                upload.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                using var response = await Platform.Http.PostAsync(new Uri($"/v1/sandboxes/{id}/files?path=big/blob.bin", UriKind.Relative), upload, ct);
                var written = await ReadAsync(response, HttpStatusCode.OK);
                var file = written.GetProperty("files")[0];
                Assert.Equal("/home/user/big/blob.bin", file.GetProperty("path").GetString());
                Assert.Equal(size, file.GetProperty("size").GetInt64());
            }

            Assert.Equal(source.Sha256Hex(), (await ExecAsync(id, "sha256sum /home/user/big/blob.bin | cut -d' ' -f1")).Trim());

            using (var download = await Platform.Http.GetAsync(new Uri($"/v1/sandboxes/{id}/files?path=/home/user/big/blob.bin", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, ct))
            {
                Assert.Equal(HttpStatusCode.OK, download.StatusCode);
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                await using var body = await download.Content.ReadAsStreamAsync(ct);
                var buffer = new byte[64 * 1024];
                long total = 0;
                while (await body.ReadAsync(buffer, ct) is var read and > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    total += read;
                }

                Assert.Equal(size, total);
                Assert.Equal(source.Sha256Hex(), Convert.ToHexStringLower(hash.GetHashAndReset()));
            }

            // 200 MB went through the control plane and the agent both ways; neither may have kept it.
            var after = ProcessesRss();
            foreach (var (name, rss) in after)
            {
                var grew = rss - before.GetValueOrDefault(name);
                Assert.True(grew < 100L * 1024 * 1024, $"{name} grew by {grew / (1024 * 1024)} MB moving a {size / (1024 * 1024)} MB file");
            }
        }
        finally
        {
            await DeleteAsync(id);
        }
    }

    [Fact]
    public async Task Files_can_be_uploaded_as_multipart_listed_and_removed()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await CreateAsync(new { });
        try
        {
            using (var form = new MultipartFormDataContent())
            {
                form.Add(new StringContent("first"), "file", "docs/a.txt");
                form.Add(new StringContent("second"), "file", "/tmp/b.txt");
                using var response = await Platform.Http.PostAsync(new Uri($"/v1/sandboxes/{id}/files", UriKind.Relative), form, ct);
                var files = (await ReadAsync(response, HttpStatusCode.OK)).GetProperty("files");
                Assert.Equal(["/home/user/docs/a.txt", "/tmp/b.txt"], files.EnumerateArray().Select(f => f.GetProperty("path").GetString()).ToArray());
            }

            Assert.Equal("second", await Platform.Http.GetStringAsync(new Uri($"/v1/sandboxes/{id}/files?path=/tmp/b.txt", UriKind.Relative), ct));
            using (var made = await Platform.Http.PostAsJsonAsync($"/v1/sandboxes/{id}/files/mkdir", new { path = "docs/sub" }, ct))
            {
                Assert.True((await ReadAsync(made, HttpStatusCode.Created)).GetProperty("created").GetBoolean());
            }

            using (var again = await Platform.Http.PostAsJsonAsync($"/v1/sandboxes/{id}/files/mkdir", new { path = "docs/sub" }, ct))
            {
                Assert.False((await ReadAsync(again, HttpStatusCode.OK)).GetProperty("created").GetBoolean());
            }

            using (var listed = await Platform.Http.GetAsync(new Uri($"/v1/sandboxes/{id}/files/list?path=docs", UriKind.Relative), ct))
            {
                var entries = (await ReadAsync(listed, HttpStatusCode.OK)).GetProperty("entries").EnumerateArray().Select(e => (e.GetProperty("name").GetString(), e.GetProperty("type").GetString())).OrderBy(e => e.Item1).ToArray();
                Assert.Equal([("a.txt", "file"), ("sub", "dir")], entries);
            }

            using (var removed = await Platform.Http.DeleteAsync(new Uri($"/v1/sandboxes/{id}/files?path=docs", UriKind.Relative), ct))
            {
                Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
            }

            using var missing = await Platform.Http.GetAsync(new Uri($"/v1/sandboxes/{id}/files?path=docs/a.txt", UriKind.Relative), ct);
            Assert.Equal("not_found", (await ReadAsync(missing, HttpStatusCode.NotFound)).GetProperty("error").GetProperty("code").GetString());
        }
        finally
        {
            await DeleteAsync(id);
        }
    }

    [Fact]
    public async Task Json_bodies_over_the_limit_are_413_and_create_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var huge = new string('x', 2 * 1024 * 1024);
        using var response = await Platform.Http.PostAsJsonAsync("/v1/sandboxes", new { metadata = new Dictionary<string, string> { ["k"] = huge } }, ct);
        Assert.Equal("payload_too_large", (await ReadAsync(response, HttpStatusCode.RequestEntityTooLarge)).GetProperty("error").GetProperty("code").GetString());
    }

    private Dictionary<string, long> ProcessesRss()
    {
        var rss = new Dictionary<string, long>();
        foreach (var name in new[] { "wrenn-cp", "wrenn-agent" })
        {
            foreach (var process in System.Diagnostics.Process.GetProcessesByName(name))
            {
                // Only this platform's children, not another wrenn up on the machine.
                if (Platform.Output.Contains($"pid {process.Id},", StringComparison.Ordinal))
                {
                    process.Refresh();
                    rss[name] = process.WorkingSet64;
                }
            }
        }

        return rss;
    }

    private async Task<string> CreateAsync(object body)
    {
        using var response = await Platform.Http.PostAsJsonAsync("/v1/sandboxes", body, TestContext.Current.CancellationToken);
        return (await ReadAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    private async Task DeleteAsync(string id)
    {
        using var _ = await Platform.Http.DeleteAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), CancellationToken.None);
    }

    private async Task<string> ExecAsync(string id, string command)
    {
        using var response = await Platform.Http.PostAsJsonAsync($"/v1/sandboxes/{id}/exec", new { cmd = command }, TestContext.Current.CancellationToken);
        return (await ReadAsync(response, HttpStatusCode.OK)).GetProperty("stdout").GetString()!;
    }

    private async Task<JsonElement> PostAsync(string path, object? body, HttpStatusCode expected)
    {
        using var response = body is null
            ? await Platform.Http.PostAsync(new Uri(path, UriKind.Relative), null, TestContext.Current.CancellationToken)
            : await Platform.Http.PostAsJsonAsync(path, body, TestContext.Current.CancellationToken);
        return await ReadAsync(response, expected);
    }

    private async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"expected {expected}, got {(int)response.StatusCode}: {text}\n{Platform.Logs()}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static Task SendAsync(ClientWebSocket socket, object message) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);

    private static async Task<List<JsonElement>> ReadAllAsync(ClientWebSocket socket)
    {
        var events = new List<JsonElement>();
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, TestContext.Current.CancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return events;
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                events.Add(JsonDocument.Parse(message.ToArray()).RootElement.Clone());
                message.SetLength(0);
            }
        }
    }
}
