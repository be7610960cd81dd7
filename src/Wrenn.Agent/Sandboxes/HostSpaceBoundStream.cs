using Wrenn.Agent.Storage;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// An upload's bytes on their way to envd, cut off with <see cref="HostDiskFullException"/> once they pass
/// what the host's disk can take. A sandbox's disk is a sparse file on the host: envd's writes land in the
/// page cache and need host blocks only at writeback, so on a full host they would fail there, inside the
/// sandbox's file system (losing its metadata writes too). Stopping the body first leaves envd a cut-off
/// upload, which it drops, keeping the old file.
/// </summary>
public sealed class HostSpaceBoundStream(Stream inner, long budget) : Stream
{
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Count(int read)
    {
        _read += read;
        return _read > budget
            ? throw new HostDiskFullException($"the upload passed the {budget} bytes the host's disk holding $WRENN_DIR can take (free space less WRENN_HOST_DISK_RESERVE_MB)")
            : read;
    }
}
