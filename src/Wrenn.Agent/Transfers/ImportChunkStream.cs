using Grpc.Core;
using Wrenn.Common.HostAgent.V1;

namespace Wrenn.Agent.Transfers;

/// <summary>The chunks of an ImportTemplate client stream as a read-only Stream, so an archive flows to disk without being held.</summary>
public sealed class ImportChunkStream(IAsyncStreamReader<ImportTemplateRequest> requests, CancellationToken callCancelled) : Stream
{
    private ReadOnlyMemory<byte> _current;
    private bool _ended;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
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

            if (requests.Current.MessageCase != ImportTemplateRequest.MessageOneofCase.Chunk)
            {
                throw new ArgumentException("after the header, ImportTemplate messages must be chunks");
            }

            _current = requests.Current.Chunk.Memory;
        }

        var count = Math.Min(buffer.Length, _current.Length);
        _current[..count].CopyTo(buffer);
        _current = _current[count..];
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
