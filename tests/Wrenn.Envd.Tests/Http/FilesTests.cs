using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Wrenn.Envd.Tests.Http;

/// <summary>GET and POST /files against a real envd.</summary>
public sealed class FilesTests : IAsyncLifetime
{
    private RunningEnvd _envd = null!;
    private string _root = null!;

    public async ValueTask InitializeAsync()
    {
        _envd = await RunningEnvd.StartAsync();
        _root = Directory.CreateTempSubdirectory("wrenn-envd-files-").FullName;
    }

    public async ValueTask DisposeAsync()
    {
        await _envd.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task A_raw_upload_into_new_directories_downloads_byte_for_byte()
    {
        var data = RandomNumberGenerator.GetBytes(5 * 1024 * 1024 + 17);
        var path = Path.Combine(_root, "a", "b", "c", "blob.bin");
        using var content = new ByteArrayContent(data);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var uploaded = await _envd.Http.PostAsync(new Uri($"/files?path={Uri.EscapeDataString(path)}", UriKind.Relative), content, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
        using var entries = JsonDocument.Parse(await uploaded.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var entry = Assert.Single(entries.RootElement.EnumerateArray());
        Assert.Equal(path, entry.GetProperty("path").GetString());
        Assert.Equal("blob.bin", entry.GetProperty("name").GetString());
        Assert.Equal("file", entry.GetProperty("type").GetString());

        var downloaded = await _envd.Http.GetByteArrayAsync(new Uri($"/files?path={Uri.EscapeDataString(path)}", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(data, downloaded);
    }

    [Fact]
    public async Task A_multipart_upload_writes_every_part_to_its_filename()
    {
        using var form = new MultipartFormDataContent();
        var first = Path.Combine(_root, "one.txt");
        var second = Path.Combine(_root, "sub", "two.txt");
        form.Add(new StringContent("first"), "file", first);
        form.Add(new StringContent("second"), "file", second);

        using var response = await _envd.Http.PostAsync(new Uri("/files", UriKind.Relative), form, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("first", await File.ReadAllTextAsync(first, TestContext.Current.CancellationToken));
        Assert.Equal("second", await File.ReadAllTextAsync(second, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task An_upload_over_an_existing_file_replaces_it()
    {
        var path = Path.Combine(_root, "replace.txt");
        await File.WriteAllTextAsync(path, "a much longer old content", TestContext.Current.CancellationToken);
        using var content = new StringContent("new");
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var _ = await _envd.Http.PostAsync(new Uri($"/files?path={Uri.EscapeDataString(path)}", UriKind.Relative), content, TestContext.Current.CancellationToken);
        Assert.Equal("new", await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_missing_file_is_404_and_a_directory_is_400_with_e2bs_error_body()
    {
        using var missing = await _envd.Http.GetAsync(new Uri($"/files?path={Uri.EscapeDataString(Path.Combine(_root, "nope"))}", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var body = JsonDocument.Parse(await missing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(404, body.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("does not exist", body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);

        using var directory = await _envd.Http.GetAsync(new Uri($"/files?path={Uri.EscapeDataString(_root)}", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, directory.StatusCode);
    }

    [Fact]
    public async Task Uploading_onto_a_directory_or_with_an_unknown_content_type_is_400()
    {
        using var content = new StringContent("x");
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var onto = await _envd.Http.PostAsync(new Uri($"/files?path={Uri.EscapeDataString(_root)}", UriKind.Relative), content, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, onto.StatusCode);
        Assert.Contains("is a directory", await onto.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);

        using var text = new StringContent("x", System.Text.Encoding.UTF8, "text/plain");
        using var odd = await _envd.Http.PostAsync(new Uri($"/files?path={Uri.EscapeDataString(Path.Combine(_root, "t"))}", UriKind.Relative), text, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, odd.StatusCode);
    }

    [Fact]
    public async Task A_raw_upload_needs_a_path()
    {
        using var content = new StringContent("x");
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await _envd.Http.PostAsync(new Uri("/files", UriKind.Relative), content, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Health_is_204_and_names_the_version()
    {
        using var response = await _envd.Http.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", response.Headers.GetValues("X-Envd-Version").Single());
    }
}
