using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Wrenn.Envd.Tests.Http;

/// <summary>
/// An upload changes its target only once the whole body is there: one cut off half-way leaves the
/// file as it was (it used to be truncated and half-written), while a finished one keeps what a rename
/// would lose (the file's mode, its other hard links).
/// </summary>
public sealed class UploadReplacementTests : IAsyncLifetime
{
    private RunningEnvd _envd = null!;
    private string _root = null!;

    public async ValueTask InitializeAsync()
    {
        _envd = await RunningEnvd.StartAsync();
        _root = Directory.CreateTempSubdirectory("wrenn-envd-upload-").FullName;
    }

    public async ValueTask DisposeAsync()
    {
        await _envd.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task An_upload_cut_off_half_way_leaves_the_old_file_whole_and_nothing_beside_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_root, "data.bin");
        var original = RandomNumberGenerator.GetBytes(256 * 1024);
        await File.WriteAllBytesAsync(path, original, ct);

        using var content = new FailingContent(bytesBeforeFailure: 3 << 20);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        await Assert.ThrowsAnyAsync<Exception>(() => _envd.Http.PostAsync(new Uri($"/files?path={Uri.EscapeDataString(path)}", UriKind.Relative), content, ct));

        // envd notices the hang-up on its own time; the temporary file goes with it.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Directory.GetFiles(_root).Length > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, ct);
        }

        Assert.Equal(original, await File.ReadAllBytesAsync(path, ct));
        Assert.Equal([path], Directory.GetFiles(_root));
    }

    [Fact]
    public async Task A_finished_upload_replaces_the_file_and_keeps_its_mode()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_root, "run.sh");
        await File.WriteAllTextAsync(path, "#!/bin/sh\necho old, and longer than the new\n", ct);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);

        await UploadAsync(path, "#!/bin/sh\necho new\n");

        Assert.Equal("#!/bin/sh\necho new\n", await File.ReadAllTextAsync(path, ct));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, File.GetUnixFileMode(path));
        Assert.Equal([path], Directory.GetFiles(_root));
    }

    [Fact]
    public async Task A_file_with_another_hard_link_is_written_in_place_so_both_names_see_the_upload()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_root, "linked.txt");
        var other = Path.Combine(_root, "other-name.txt");
        await File.WriteAllTextAsync(path, "old", ct);
        Assert.Equal(0, Link(path, other));

        await UploadAsync(path, "new");

        Assert.Equal("new", await File.ReadAllTextAsync(other, ct));
    }

    private async Task UploadAsync(string path, string text)
    {
        using var content = new StringContent(text);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await _envd.Http.PostAsync(new Uri($"/files?path={Uri.EscapeDataString(path)}", UriKind.Relative), content, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(string existing, string created);
}
