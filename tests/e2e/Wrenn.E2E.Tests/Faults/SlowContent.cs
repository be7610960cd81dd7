using System.Net;

namespace Wrenn.E2E.Tests.Faults;

/// <summary>
/// A request body of <paramref name="totalMiB"/> MiB sent a MiB at a time with pauses between, which
/// completes <paramref name="sentAfter"/> once <paramref name="signalAtMiB"/> MiB are out: a test cuts the
/// connection then, in the middle of the upload.
/// </summary>
public sealed class SlowContent(int totalMiB, int signalAtMiB, TaskCompletionSource sentAfter) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        var chunk = new byte[1 << 20];
        Array.Fill(chunk, (byte)'n');
        for (var i = 1; i <= totalMiB; i++)
        {
            await stream.WriteAsync(chunk);
            await stream.FlushAsync();
            if (i == signalAtMiB)
            {
                sentAfter.TrySetResult();
            }

            await Task.Delay(100);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = (long)totalMiB << 20;
        return true;
    }
}
