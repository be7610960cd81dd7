using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Wrenn.Envd.Tests.Http;

/// <summary>
/// An upload onto a disk that cannot take it is refused with 507 and leaves the old file, even where the
/// write itself succeeds and only the writeback fails: a sandbox's disk is an ext4 image, a sparse file on
/// the host, and when the host's disk is full the page cache takes the bytes and the host refuses them
/// later. Here the host is a small ext4 (itself a loop-mounted image: ext4 as most hosts have, where the
/// sandbox disk's journal can be allocated up front, which tmpfs cannot) holding such an image,
/// loop-mounted; the host is filled to its last byte. envd answered 200 before it synced the upload, and the bytes were lost.
/// </summary>
public sealed class UploadFileDiskFullTests : IAsyncLifetime
{
    private RunningEnvd _envd = null!;
    private string _root = null!;
    private string _host = null!;
    private string _disk = null!;

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "mounting loop devices needs root");
        _root = Directory.CreateTempSubdirectory("wrenn-envd-diskfull-").FullName;
        _host = Path.Combine(_root, "host");
        _disk = Path.Combine(_root, "disk");
        Directory.CreateDirectory(_host);
        Directory.CreateDirectory(_disk);
        var hostImage = Path.Combine(_root, "host.ext4");
        await HostCommand.RunAsync("truncate", "-s", "48M", hostImage);
        await HostCommand.RunAsync("mkfs.ext4", "-q", "-F", "-m", "0", hostImage);
        await HostCommand.RunAsync("mount", "-o", "loop", hostImage, _host);
        var image = Path.Combine(_host, "disk.ext4");
        await HostCommand.RunAsync("truncate", "-s", "1G", image);

        // As the agent formats a sandbox disk (src/Wrenn.Agent/Storage/SandboxDisk.cs), with a small journal
        // for a small host.
        await HostCommand.RunAsync("mkfs.ext4", "-q", "-F", "-m", "0", "-J", "size=4", "-E", "lazy_itable_init=1,lazy_journal_init=1,nodiscard", image);
        await HostCommand.RunAsync("mount", "-o", "loop,noatime", image, _disk);
        _envd = await RunningEnvd.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_envd is not null)
        {
            await _envd.DisposeAsync();
        }

        if (_root is null)
        {
            return;
        }

        foreach (var mount in new[] { _disk, _host })
        {
            if (File.ReadLines("/proc/mounts").Any(l => l.Split(' ')[1] == mount))
            {
                await HostCommand.RunAsync("umount", mount);
            }
        }

        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task An_upload_the_full_host_cannot_write_back_gets_507_and_the_old_file_stays_then_works_once_space_is_freed()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_disk, "data.bin");
        var original = RandomNumberGenerator.GetBytes(64 * 1024);
        using (var first = await UploadAsync(path, original))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var filler = Path.Combine(_host, "filler");
        FullDisk.Fill(filler);

        using (var refused = await UploadAsync(path, RandomNumberGenerator.GetBytes(8 << 20)))
        {
            var text = await refused.Content.ReadAsStringAsync(ct);
            Assert.True(refused.StatusCode == HttpStatusCode.InsufficientStorage, $"{(int)refused.StatusCode} {text}");
            using var body = JsonDocument.Parse(text);
            Assert.Equal(507, body.RootElement.GetProperty("code").GetInt32());
        }

        Assert.Equal(original, await File.ReadAllBytesAsync(path, ct));
        Assert.Equal([path], Directory.GetFiles(_disk));

        File.Delete(filler);
        var replacement = RandomNumberGenerator.GetBytes(1 << 20);
        using (var accepted = await UploadAsync(path, replacement))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        Assert.Equal(replacement, await File.ReadAllBytesAsync(path, ct));
    }

    private async Task<HttpResponseMessage> UploadAsync(string path, byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return await _envd.Http.PostAsync(new Uri($"/files?path={Uri.EscapeDataString(path)}", UriKind.Relative), content, TestContext.Current.CancellationToken);
    }
}
