using Google.Protobuf;
using Grpc.Core;

namespace Wrenn.Agent.Rpc;

/// <summary>
/// The chunks of a client stream whose first message was a header (WriteFile, ImportTemplate) as a read-only
/// Stream, so a file or an archive flows on without being held. <paramref name="chunkOf"/> gives a message's
/// chunk, or null for a message that is not one (an error: after the header, only chunks may come).
/// </summary>
public sealed class GrpcChunkStream<TRequest>(IAsyncStreamReader<TRequest> requests, Func<TRequest, ByteString?> chunkOf, string call, CancellationToken callCancelled) : Stream
{
    private ReadOnlyMemory<byte> _current;
    private bool _ended;

    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_current.IsEmpty)
        {
            if (_ended)
            {
                return 0;
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, callCancelled);
            if (!await requests.MoveNext(linked.Token).ConfigureAwait(false))
            {
                _ended = true;
                return 0;
            }

            _current = (chunkOf(requests.Current) ?? throw new ArgumentException($"after the header, {call} messages must be chunks")).Memory;
        }

        var count = Math.Min(buffer.Length, _current.Length);
        _current[..count].CopyTo(buffer);
        _current = _current[count..];
        BytesRead += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
