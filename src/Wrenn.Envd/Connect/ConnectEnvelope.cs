using System.Buffers.Binary;

namespace Wrenn.Envd.Connect;

/// <summary>
/// The frame of Connect streams: one flags byte, a 4-byte big-endian length, the payload. Flag 0x01
/// marks a compressed payload, 0x02 the end-of-stream message (JSON, carrying the error if any).
/// </summary>
public static class ConnectEnvelope
{
    public const byte CompressedFlag = 0x01;
    public const byte EndStreamFlag = 0x02;
    public const int HeaderLength = 5;

    /// <summary>Largest message envd accepts in a request; files go through /files, not Connect.</summary>
    public const int MaxRequestMessageBytes = 4 * 1024 * 1024;

    public static void WriteHeader(Span<byte> header, byte flags, int length)
    {
        header[0] = flags;
        BinaryPrimitives.WriteInt32BigEndian(header[1..], length);
    }

    /// <summary>Writes one envelope and flushes, so the client sees the message now.</summary>
    public static async Task WriteAsync(Stream output, byte flags, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderLength];
        WriteHeader(header, flags, payload.Length);
        await output.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads one envelope from <paramref name="input"/>; null at a clean end of the stream. Reads can
    /// return any number of bytes, so header and payload are each read until complete.
    /// </summary>
    public static async Task<(byte Flags, byte[] Payload)?> ReadAsync(Stream input, int maxBytes, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderLength];
        var read = await ReadFullyAsync(input, header, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return null;
        }

        if (read < HeaderLength)
        {
            throw new ConnectException(ConnectCode.InvalidArgument, "request ended inside an envelope header");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
        if (length < 0 || length > maxBytes)
        {
            throw new ConnectException(ConnectCode.ResourceExhausted, $"request message of {length} bytes is over the {maxBytes}-byte limit");
        }

        var payload = new byte[length];
        if (await ReadFullyAsync(input, payload, cancellationToken).ConfigureAwait(false) < length)
        {
            throw new ConnectException(ConnectCode.InvalidArgument, "request ended inside an envelope payload");
        }

        return (header[0], payload);
    }

    private static async Task<int> ReadFullyAsync(Stream input, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await input.ReadAsync(buffer[total..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
