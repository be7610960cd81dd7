using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;

namespace Wrenn.E2E.Tests.Faults;

/// <summary>
/// The control plane dies (SIGKILL) while a command streams its output or a file is being uploaded. The
/// client learns at once (the stream ends with an error, never hangs); after the next `wrenn up` the
/// sandbox still runs, the command that lost its caller is gone, and a file holds either what it held
/// before the upload or the whole upload, never a part of it.
/// </summary>
[Collection(OwnPlatformCollection.Name)]
public sealed class ControlPlaneKilledMidStreamTests
{
    [Fact]
    public async Task An_exec_stream_ends_with_an_error_and_its_command_does_not_outlive_the_caller()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        // Not --ephemeral: wrenn up stops the agent when the control plane dies, and an ephemeral stop
        // would destroy the sandbox this test looks at after the restart.
        var platform = await RunningPlatform.StartAsync(ct, ephemeral: false);
        string id;
        try
        {
            id = await new PlatformCalls(platform).CreateSandboxAsync(new { });
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/v1/sandboxes/{id}/exec/stream", UriKind.Relative))
            {
                Content = JsonContent.Create(new { cmd = "exec -a wrenn-fault-loop bash -c 'while true; do echo tick; sleep 0.05; done'", timeout_sec = 600 }),
            };
            using var response = await platform.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            var first = await reader.ReadLineAsync(ct);
            Assert.NotNull(first);

            platform.KillChild("control plane");

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(TimeSpan.FromSeconds(30));
            var ended = false;
            try
            {
                while (await reader.ReadLineAsync(limit.Token) is not null)
                {
                }

                ended = true;
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                ended = true;
            }

            Assert.True(ended && !limit.IsCancellationRequested, "the stream did not end within 30 s of the control plane's death");
            Assert.NotEqual(0, await platform.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            await platform.DisposeAsync(deleteRoot: false);
        }

        var restarted = await RunningPlatform.StartAsync(ct, platform.Root);
        try
        {
            var api = new PlatformCalls(restarted);
            Assert.Equal("ok\n", await api.ExecAsync(id, "echo ok"));
            // The caller hung up (its control plane died): the command goes, as when a client hangs up.
            var deadline = DateTime.UtcNow.AddSeconds(20);
            string left;
            do
            {
                left = (await api.PostAsync($"/v1/sandboxes/{id}/exec", new { cmd = "pgrep -f 'wrenn-fault-[l]oop' || true" }, HttpStatusCode.OK)).GetProperty("stdout").GetString()!;
                if (left.Length > 0)
                {
                    await Task.Delay(500, ct);
                }
            }
            while (left.Length > 0 && DateTime.UtcNow < deadline);
            Assert.True(left.Length == 0, $"the streamed command still runs 20 s after its caller died: pids {left}");
            await api.DeleteAsync($"/v1/sandboxes/{id}", HttpStatusCode.NoContent);
        }
        finally
        {
            await restarted.DisposeAsync();
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }

    [Fact]
    public async Task An_upload_cut_off_leaves_the_file_as_it_was_before()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = HostSnapshot.Take();
        // Not --ephemeral: wrenn up stops the agent when the control plane dies, and an ephemeral stop
        // would destroy the sandbox this test looks at after the restart.
        var platform = await RunningPlatform.StartAsync(ct, ephemeral: false);
        string id;
        var original = RandomNumberGenerator.GetBytes(1 << 20);
        try
        {
            var api = new PlatformCalls(platform);
            id = await api.CreateSandboxAsync(new { });
            using (var first = await platform.Http.PostAsync(new Uri($"/v1/sandboxes/{id}/files?path=/home/user/data.bin", UriKind.Relative), new ByteArrayContent(original), ct))
            {
                Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            }

            // A 64 MiB replacement, sent slowly; the control plane dies after 8 MiB of it.
            var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var upload = platform.Http.PostAsync(new Uri($"/v1/sandboxes/{id}/files?path=/home/user/data.bin", UriKind.Relative), new SlowContent(64, 8, sent), ct);
            await sent.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
            platform.KillChild("control plane");

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(TimeSpan.FromSeconds(30));
            await Assert.ThrowsAnyAsync<Exception>(async () => (await upload.WaitAsync(limit.Token)).EnsureSuccessStatusCode());
            Assert.False(limit.IsCancellationRequested, "the upload did not end within 30 s of the control plane's death");
            Assert.NotEqual(0, await platform.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            await platform.DisposeAsync(deleteRoot: false);
        }

        var restarted = await RunningPlatform.StartAsync(ct, platform.Root);
        try
        {
            using var read = await restarted.Http.GetAsync(new Uri($"/v1/sandboxes/{id}/files?path=/home/user/data.bin", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            var now = await read.Content.ReadAsByteArrayAsync(ct);
            // Never a part of the upload: the acknowledged 1 MiB is still whole.
            Assert.True(now.AsSpan().SequenceEqual(original), $"the file is {now.Length} bytes, not the 1 MiB acknowledged before the cut-off upload");
            await new PlatformCalls(restarted).DeleteAsync($"/v1/sandboxes/{id}", HttpStatusCode.NoContent);
        }
        finally
        {
            await restarted.DisposeAsync();
        }

        Assert.Empty(HostSnapshot.Take().NewSince(before));
    }
}
