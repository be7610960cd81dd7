using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace Wrenn.E2E.Tests.Faults;

/// <summary>
/// The disk holding $WRENN_DIR fills up (a small loop-mounted ext4 as $WRENN_DIR, filled to the last byte). A create, a
/// file upload, a pause and a template each get a clear error (507 insufficient_storage in the envelope),
/// never a hang or an anonymous 500; nothing is left half-made (no sandbox or template the API lists
/// that does not work); an upload leaves the file as it was; the sandbox still runs; and once space is
/// freed every one of those works again. At the end nothing of it is left on the host.
/// </summary>
[Collection(OwnPlatformCollection.Name)]
public sealed class DiskFullTests
{
    private const string FileName = "/home/user/data.bin";

    // An upload used to get 200 here and be lost: the sandbox's disk is a sparse ext4 file on the full host,
    // the write landed in its page cache, and the host had no blocks to write it back. Now the agent refuses
    // an upload the host cannot take (WRENN_HOST_DISK_RESERVE_MB) and envd syncs before it answers: measured
    // 2026-12-05, the create, upload and template steps pass. The pause failed next: the agent froze the
    // sandbox, then could not write its record (ENOSPC) and answered 507 with the sandbox left frozen, so the
    // exec after it got 409 "paused"; a container whose pause cannot be recorded is now thawed.
    [Fact]
    public async Task A_full_disk_gives_507_leaves_things_as_they_were_and_everything_works_once_space_is_freed()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        var root = Directory.CreateTempSubdirectory("wrenn-e2e-disk-").FullName;
        var wrennDir = Path.Combine(root, "wrenn-dir");
        Directory.CreateDirectory(wrennDir);
        // A loop-mounted ext4 just over the 2 GiB `wrenn up` checks for; sparse, and filled with fallocate
        // (unwritten extents), so it costs the host next to nothing.
        var image = Path.Combine(root, "disk.img");
        await HostCommand.RunAsync("truncate", "-s", "2300M", image);
        await HostCommand.RunAsync("mkfs.ext4", "-q", "-m", "0", image);
        await HostCommand.RunAsync("mount", "-o", "loop", image, wrennDir);
        try
        {
            var platform = await RunningPlatform.StartAsync(ct, root);
            try
            {
                await FillAndFreeAsync(platform, ct);
            }
            finally
            {
                await platform.DisposeAsync(deleteRoot: false);
            }
        }
        finally
        {
            // Never throws: a failure of the test itself must not be hidden by its cleanup (a mount left
            // behind is caught by the snapshot comparison below).
            await UnmountAsync(wrennDir);
            if (!File.ReadLines("/proc/mounts").Any(l => l.Contains(wrennDir, StringComparison.Ordinal)))
            {
                Directory.Delete(root, recursive: true);
            }
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    private static async Task FillAndFreeAsync(RunningPlatform platform, CancellationToken ct)
    {
        var api = new PlatformCalls(platform);
        var id = await api.CreateSandboxAsync(new { });
        var original = RandomNumberGenerator.GetBytes(64 * 1024);
        using (var first = await platform.Http.PostAsync(new Uri($"/v1/sandboxes/{id}/files?path={FileName}", UriKind.Relative), new ByteArrayContent(original), ct))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var filler = Path.Combine(platform.WrennDir, "filler");
        FullDisk.Fill(filler, allocateFirst: true);

        // A create: refused, and no sandbox left behind in the list.
        await ExpectFullAsync(platform.Http.PostAsJsonAsync(new Uri("/v1/sandboxes", UriKind.Relative), new { }, ct), "create", platform);
        var listed = (await api.GetAsync("/v1/sandboxes?state=starting,running,pausing,paused,resuming,error", HttpStatusCode.OK)).GetProperty("sandboxes").EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToList();
        Assert.Equal([id], listed);

        // An upload over the file: refused, and the file is what it was.
        await ExpectFullAsync(platform.Http.PostAsync(new Uri($"/v1/sandboxes/{id}/files?path={FileName}", UriKind.Relative), new ByteArrayContent(RandomNumberGenerator.GetBytes(8 << 20)), ct), "upload", platform);
        Assert.Equal(original, await ReadAsync(platform, id, ct));

        // A template: refused, and none is listed.
        await ExpectFullAsync(platform.Http.PostAsJsonAsync(new Uri("/v1/snapshots", UriKind.Relative), new { sandbox_id = id, name = "disk-full" }, ct), "template", platform);
        Assert.DoesNotContain((await api.GetAsync("/v1/snapshots", HttpStatusCode.OK)).GetProperty("snapshots").EnumerateArray(), t => t.GetProperty("name").GetString() == "disk-full");

        // A pause: it works (a frozen container needs no disk) or is refused; either way the sandbox is one a user can act on.
        using (var pause = await platform.Http.PostAsync(new Uri($"/v1/sandboxes/{id}/pause", UriKind.Relative), null, ct))
        {
            var text = await pause.Content.ReadAsStringAsync(ct);
            Assert.True(pause.StatusCode is HttpStatusCode.OK || (pause.StatusCode == HttpStatusCode.InsufficientStorage && text.Contains("insufficient_storage", StringComparison.Ordinal)), $"pause: {(int)pause.StatusCode} {text}");
            if (pause.StatusCode == HttpStatusCode.OK)
            {
                await api.PostAsync($"/v1/sandboxes/{id}/resume", null, HttpStatusCode.OK);
            }
        }

        Assert.Equal("running\n", await api.ExecAsync(id, "echo running"));

        // Space freed: everything works again.
        File.Delete(filler);
        File.Delete(filler + ".big");
        var second = await api.CreateSandboxAsync(new { });
        Assert.Equal("ok\n", await api.ExecAsync(second, "echo ok"));
        var replacement = RandomNumberGenerator.GetBytes(1 << 20);
        using (var upload = await platform.Http.PostAsync(new Uri($"/v1/sandboxes/{id}/files?path={FileName}", UriKind.Relative), new ByteArrayContent(replacement), ct))
        {
            Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        }

        Assert.Equal(replacement, await ReadAsync(platform, id, ct));
        await api.PostAsync("/v1/snapshots", new { sandbox_id = id, name = "disk-full" }, HttpStatusCode.Created);
        var fromTemplate = await api.CreateSandboxAsync(new { template = "disk-full" });
        Assert.Equal(replacement, await ReadAsync(platform, fromTemplate, ct));
        await api.PostAsync($"/v1/sandboxes/{second}/pause", null, HttpStatusCode.OK);
        await api.PostAsync($"/v1/sandboxes/{second}/resume", null, HttpStatusCode.OK);

        foreach (var sandbox in new[] { id, second, fromTemplate })
        {
            await api.DeleteAsync($"/v1/sandboxes/{sandbox}", HttpStatusCode.NoContent);
        }

        await api.DeleteAsync("/v1/snapshots/disk-full", HttpStatusCode.NoContent);
    }

    /// <summary>The call is answered (never a hang) with 507 insufficient_storage in the envelope.</summary>
    private static async Task ExpectFullAsync(Task<HttpResponseMessage> call, string what, RunningPlatform platform)
    {
        using var response = await call.WaitAsync(TimeSpan.FromSeconds(120));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.InsufficientStorage, $"{what} on a full disk: {(int)response.StatusCode} {text}\n{platform.Logs()}");
        using var body = JsonDocument.Parse(text);
        Assert.Equal("insufficient_storage", body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    private static async Task<byte[]> ReadAsync(RunningPlatform platform, string id, CancellationToken ct)
    {
        using var read = await platform.Http.GetAsync(new Uri($"/v1/sandboxes/{id}/files?path={FileName}", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        return await read.Content.ReadAsByteArrayAsync(ct);
    }

    /// <summary>umount, retried while processes that held files there (lxcfs, a container) finish exiting.</summary>
    private static async Task UnmountAsync(string path)
    {
        for (var attempt = 0; attempt < 20 && File.ReadLines("/proc/mounts").Any(l => l.Split(' ')[1] == path); attempt++)
        {
            using var umount = Process.Start(new ProcessStartInfo("umount", [path]) { RedirectStandardError = true })!;
            await umount.WaitForExitAsync();
            if (umount.ExitCode != 0)
            {
                await Task.Delay(500);
            }
        }
    }
}
