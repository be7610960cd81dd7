namespace Wrenn.Sdk;

/// <summary>
/// A file of a sandbox read from the network as you read it (<see cref="SandboxFiles.OpenReadAsync"/>);
/// <see cref="ContentLength"/> is its size when the server said it, for progress. Dispose it.
/// </summary>
public sealed class SandboxFileStream : Stream
{
    private readonly HttpResponseMessage _response;
    private readonly Stream _body;

    internal SandboxFileStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _body = body;
    }

    /// <summary>The file's size in bytes, when the server sent it.</summary>
    public long? ContentLength => _response.Content.Headers.ContentLength;

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException("a network stream has no length; see ContentLength");

    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => _body.Read(buffer, offset, count);

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _body.ReadAsync(buffer, cancellationToken);

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _body.ReadAsync(buffer, offset, count, cancellationToken);

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _body.Dispose();
            _response.Dispose();
        }

        base.Dispose(disposing);
    }
}
