using System.Security.Cryptography;

namespace Wrenn.E2E.Tests;

/// <summary>A large, deterministic, non-repeating-looking stream generated on the fly (nothing held in memory), with its SHA-256.</summary>
public sealed class PatternStream(long length) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>The SHA-256 of the whole stream, computed independently of reading it.</summary>
    public string Sha256Hex()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        for (long offset = 0; offset < length; offset += buffer.Length)
        {
            var count = (int)Math.Min(buffer.Length, length - offset);
            Fill(buffer.AsSpan(0, count), offset);
            hash.AppendData(buffer, 0, count);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var available = (int)Math.Min(count, length - _position);
        Fill(buffer.AsSpan(offset, available), _position);
        _position += available;
        return available;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private static void Fill(Span<byte> target, long offset)
    {
        for (var i = 0; i < target.Length; i++)
        {
            var x = (ulong)(offset + i);
            target[i] = (byte)((x * 2654435761UL) >> 13 ^ x >> 7);
        }
    }
}
