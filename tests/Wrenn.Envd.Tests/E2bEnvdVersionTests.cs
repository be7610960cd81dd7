using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Wrenn.Envd.Filesystem;

namespace Wrenn.Envd.Tests;

/// <summary>
/// envd reports E2B envd 0.6.4, and has what E2B's envd has up to that version beyond what the SDK
/// suite (tests/e2b-compat) covers: gzip downloads (0.5.3) with Content-Disposition (0.5.1),
/// /files/compose (0.5.5), metadata as 0.6.2 stores it, network mounts refused for watches (0.6.4).
/// </summary>
public sealed class E2bEnvdVersionTests : IAsyncLifetime
{
    private RunningEnvd _envd = null!;
    private string _root = null!;

    public async ValueTask InitializeAsync()
    {
        _envd = await RunningEnvd.StartAsync();
        _root = Directory.CreateTempSubdirectory("wrenn-envd-e2b-").FullName;
    }

    public async ValueTask DisposeAsync()
    {
        await _envd.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_and_init_name_e2b_envd_0_6_4_and_wrenns_build()
    {
        using var health = await _envd.Http.GetAsync(new Uri("/health", UriKind.Relative), Ct);
        Assert.Equal("0.6.4", health.Headers.GetValues("X-Envd-Version").Single());
        Assert.Matches(@"^\d+\.\d+\.\d+", health.Headers.GetValues("X-Wrenn-Envd-Build").Single());

        using var body = new StringContent("{}", Encoding.UTF8, "application/json");
        using var init = await _envd.Http.PostAsync(new Uri("/init", UriKind.Relative), body, Ct);
        Assert.Equal(HttpStatusCode.NoContent, init.StatusCode);
        Assert.Equal("0.6.4", init.Headers.GetValues("X-Envd-Version").Single());
    }

    [Fact]
    public async Task Version_flag_prints_the_e2b_version_alone_as_e2bs_envd_does()
    {
        foreach (var (flag, expected) in new[] { ("--version", "0.6.4"), ("-version", "0.6.4"), ("--build-version", null) })
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "envd.dll"));
            start.ArgumentList.Add(flag);
            using var process = System.Diagnostics.Process.Start(start)!;
            var output = (await process.StandardOutput.ReadToEndAsync(Ct)).Trim();
            await process.WaitForExitAsync(Ct);
            Assert.Equal(0, process.ExitCode);
            if (expected is null)
            {
                Assert.Matches(@"^\d+\.\d+\.\d+$", output);
            }
            else
            {
                Assert.Equal(expected, output);
            }
        }
    }

    [Fact]
    public async Task A_download_is_gzipped_when_the_client_prefers_it_and_names_the_file()
    {
        var path = Path.Combine(_root, "report.txt");
        var text = string.Concat(Enumerable.Repeat("compressible line\n", 10_000));
        await File.WriteAllTextAsync(path, text, Ct);
        var uri = new Uri($"/files?path={Uri.EscapeDataString(path)}", UriKind.Relative);

        using (var request = new HttpRequestMessage(HttpMethod.Get, uri))
        {
            request.Headers.AcceptEncoding.ParseAdd("gzip");
            using var response = await _envd.Http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("gzip", Assert.Single(response.Content.Headers.ContentEncoding));
            Assert.Contains("Accept-Encoding", response.Headers.Vary);
            Assert.Equal("inline", response.Content.Headers.ContentDisposition?.DispositionType);
            Assert.Equal("report.txt", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
            var compressed = await response.Content.ReadAsByteArrayAsync(Ct);
            Assert.True(compressed.Length < text.Length / 10, $"{compressed.Length} bytes for {text.Length}");
            await using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
            Assert.Equal(text, await new StreamReader(gzip).ReadToEndAsync(Ct));
        }

        // No preference (or identity first): the bytes as they are.
        using (var plain = await _envd.Http.GetAsync(uri, Ct))
        {
            Assert.Empty(plain.Content.Headers.ContentEncoding);
            Assert.Equal(text, await plain.Content.ReadAsStringAsync(Ct));
        }

        // A range is answered in identity, so 206 still works.
        using (var request = new HttpRequestMessage(HttpMethod.Get, uri))
        {
            request.Headers.AcceptEncoding.ParseAdd("gzip");
            request.Headers.Range = new RangeHeaderValue(0, 9);
            using var response = await _envd.Http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
            Assert.Empty(response.Content.Headers.ContentEncoding);
            Assert.Equal("compressib", await response.Content.ReadAsStringAsync(Ct));
        }

        // Only codings envd does not have, identity refused: 406 in E2B's error shape.
        using (var request = new HttpRequestMessage(HttpMethod.Get, uri))
        {
            request.Headers.TryAddWithoutValidation("Accept-Encoding", "br, identity;q=0");
            using var response = await _envd.Http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
            using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            Assert.Equal(406, error.RootElement.GetProperty("code").GetInt32());
        }
    }

    [Theory]
    [InlineData(null, "identity")]
    [InlineData("gzip", "gzip")]
    [InlineData("gzip;q=0.5, identity", "identity")]
    [InlineData("br", "identity")]
    [InlineData("*", "identity")]
    [InlineData("*, identity;q=0", "gzip")]
    [InlineData("br, *;q=0", null)]
    [InlineData("gzip;q=0, identity;q=0", null)]
    [InlineData("GZIP;Q=1", "gzip")]
    public void Accept_encoding_is_negotiated_as_e2bs_envd_does(string? header, string? expected) =>
        Assert.Equal(expected, Wrenn.Envd.Http.AcceptEncoding.Choose(header));

    [Fact]
    public async Task A_gzipped_multipart_upload_is_stored_decompressed()
    {
        var path = Path.Combine(_root, "zipped", "part.txt");
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("inside a gzipped form"), "file", path);
        var raw = await form.ReadAsByteArrayAsync(Ct);
        var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(raw, Ct);
        }

        using var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentType = form.Headers.ContentType;
        content.Headers.ContentEncoding.Add("gzip");
        using var response = await _envd.Http.PostAsync(new Uri("/files", UriKind.Relative), content, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("inside a gzipped form", await File.ReadAllTextAsync(path, Ct));
    }

    [Fact]
    public async Task Upload_metadata_is_lower_cased_replaces_the_files_previous_set_and_is_validated()
    {
        var path = Path.Combine(_root, "tagged.txt");
        using (var first = await UploadAsync(path, "v1", ("X-Metadata-Owner", "team-a"), ("X-Metadata-Stage", "draft")))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            using var entry = JsonDocument.Parse(await first.Content.ReadAsStringAsync(Ct));
            var metadata = entry.RootElement[0].GetProperty("metadata");
            Assert.Equal("team-a", metadata.GetProperty("owner").GetString());
            Assert.Equal("draft", metadata.GetProperty("stage").GetString());
        }

        // Overwriting with another set: keys the new upload does not send are gone.
        using (var second = await UploadAsync(path, "v2", ("X-Metadata-Stage", "final")))
        {
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        }

        Assert.Equal(new Dictionary<string, string> { ["stage"] = "final" }, FileMetadata.Read(path));

        // Overwriting without metadata clears it, and the answer carries none.
        using (var third = await UploadAsync(path, "v3"))
        {
            using var entry = JsonDocument.Parse(await third.Content.ReadAsStringAsync(Ct));
            Assert.False(entry.RootElement[0].TryGetProperty("metadata", out _));
        }

        Assert.Empty(FileMetadata.Read(path));

        // Keys and values are printable ASCII, keys at most 246 bytes: anything else is 400 and writes nothing.
        foreach (var header in new[] { ("X-Metadata-" + new string('k', 247), "v"), ("X-Metadata-Note", "tab\there") })
        {
            using var refused = await UploadAsync(path, "not written", header);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("invalid metadata", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        Assert.Equal("v3", await File.ReadAllTextAsync(path, Ct));
    }

    [Fact]
    public async Task Compose_concatenates_the_parts_in_order_replaces_the_destination_and_removes_the_parts()
    {
        var parts = new[] { "one ", "two ", "three" }.Select((text, i) => (Path: Path.Combine(_root, $"part{i}"), Text: text)).ToList();
        foreach (var (path, text) in parts)
        {
            await File.WriteAllTextAsync(path, text, Ct);
        }

        var destination = Path.Combine(_root, "joined", "all.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        await File.WriteAllTextAsync(destination, "old content that is longer than the new", Ct);

        using var response = await ComposeAsync(new { source_paths = parts.Select(p => p.Path), destination });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var entry = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(destination, entry.RootElement.GetProperty("path").GetString());
        Assert.Equal("all.txt", entry.RootElement.GetProperty("name").GetString());
        Assert.Equal("file", entry.RootElement.GetProperty("type").GetString());
        Assert.Equal("one two three", await File.ReadAllTextAsync(destination, Ct));
        Assert.All(parts, p => Assert.False(File.Exists(p.Path)));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(destination)!, "*.tmp"));
    }

    [Fact]
    public async Task Compose_refuses_missing_sources_directories_the_destination_itself_and_empty_requests_leaving_all_in_place()
    {
        var kept = Path.Combine(_root, "kept");
        await File.WriteAllTextAsync(kept, "kept", Ct);
        var destination = Path.Combine(_root, "out.txt");

        foreach (var (body, status) in new (object Body, HttpStatusCode Status)[]
        {
            (new { source_paths = new[] { kept, Path.Combine(_root, "missing") }, destination }, HttpStatusCode.NotFound),
            (new { source_paths = new[] { kept, _root }, destination }, HttpStatusCode.BadRequest),
            (new { source_paths = new[] { kept }, destination = kept }, HttpStatusCode.BadRequest),
            (new { source_paths = Array.Empty<string>(), destination }, HttpStatusCode.BadRequest),
            (new { source_paths = new[] { kept } }, HttpStatusCode.BadRequest),
        })
        {
            using var response = await ComposeAsync(body);
            Assert.Equal(status, response.StatusCode);
            using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            Assert.Equal((int)status, error.RootElement.GetProperty("code").GetInt32());
        }

        Assert.Equal("kept", await File.ReadAllTextAsync(kept, Ct));
        Assert.False(File.Exists(destination));
        Assert.Single(Directory.GetFiles(_root));
    }

    [Fact]
    public async Task A_browser_may_call_envd_from_any_origin()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, new Uri("/files", UriKind.Relative));
        preflight.Headers.Add("Origin", "https://app.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "x-access-token, content-type");
        using var response = await _envd.NewClient(null).SendAsync(preflight, Ct);
        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("HEAD,GET,POST,PUT,PATCH,DELETE", response.Headers.GetValues("Access-Control-Allow-Methods").Single());
        Assert.Equal(["x-access-token", "content-type"], response.Headers.GetValues("Access-Control-Allow-Headers").SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries)));
        Assert.Equal("7200", response.Headers.GetValues("Access-Control-Max-Age").Single());

        // The call itself, and a refused one, tell the browser it may read the answer.
        foreach (var (client, status) in new[] { (_envd.Http, HttpStatusCode.OK), (_envd.NewClient(null), HttpStatusCode.Unauthorized) })
        {
            using var call = new HttpRequestMessage(HttpMethod.Get, new Uri("/envs", UriKind.Relative));
            call.Headers.Add("Origin", "https://app.example");
            using var answer = await client.SendAsync(call, Ct);
            Assert.Equal(status, answer.StatusCode);
            Assert.Equal("*", answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
        }

        // Without an Origin nothing of CORS is added.
        using var plain = await _envd.Http.GetAsync(new Uri("/envs", UriKind.Relative), Ct);
        Assert.False(plain.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public void Network_filesystems_are_told_from_local_ones()
    {
        Assert.True(NetworkMounts.IsNetworkFilesystemType(0x6969));
        Assert.True(NetworkMounts.IsNetworkFilesystemType(0xFF534D42));
        Assert.True(NetworkMounts.IsNetworkFilesystemType(0x65735546));
        Assert.False(NetworkMounts.IsNetworkFilesystemType(0xEF53));
        Assert.False(NetworkMounts.Contains(_root));
        Assert.False(NetworkMounts.Contains("/proc"));
    }

    private async Task<HttpResponseMessage> UploadAsync(string path, string text, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/files?path={Uri.EscapeDataString(path)}", UriKind.Relative));
        request.Content = new StringContent(text);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await _envd.Http.SendAsync(request, Ct);
    }

    private async Task<HttpResponseMessage> ComposeAsync(object body)
    {
        using var content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        return await _envd.Http.PostAsync(new Uri("/files/compose", UriKind.Relative), content, Ct);
    }
}
