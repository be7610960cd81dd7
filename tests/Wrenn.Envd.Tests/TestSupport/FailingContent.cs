using System.Net;

namespace Wrenn.Envd.Tests.TestSupport;

/// <summary>A body that announces 64 MiB, sends <paramref name="bytesBeforeFailure"/> of them and then fails, as a caller that dies mid-upload.</summary>
public sealed class FailingContent(int bytesBeforeFailure) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        var chunk = new byte[64 * 1024];
        for (var sent = 0; sent < bytesBeforeFailure; sent += chunk.Length)
        {
            await stream.WriteAsync(chunk);
        }

        await stream.FlushAsync();
        await Task.Delay(200);
        throw new IOException("the caller died half-way");
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 64L << 20;
        return true;
    }
}
