using System.Buffers.Binary;

namespace Wrenn.Agent.Envd;

/// <summary>Reads Connect envelopes (1 flags byte, 4-byte big-endian length, payload) off a response stream.</summary>
public sealed class ConnectEnvelopeReader(Stream stream, int maxMessageBytes = ConnectEnvelopeReader.DefaultMaxMessageBytes)
{
    public const int DefaultMaxMessageBytes = 16 * 1024 * 1024;

    private readonly byte[] _header = new byte[ConnectEnvelope.HeaderLength];

    /// <summary>The next envelope, or null at a clean end of stream between envelopes.</summary>
    public async Task<ConnectEnvelope?> ReadAsync(CancellationToken cancellationToken)
    {
        var headerRead = await ReadFullyAsync(_header, cancellationToken).ConfigureAwait(false);
        if (headerRead == 0)
        {
            return null;
        }

        if (headerRead < _header.Length)
        {
            throw new EnvdProtocolException("stream ended inside an envelope header");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(_header.AsSpan(1));
        if (length < 0 || length > maxMessageBytes)
        {
            throw new EnvdProtocolException($"envelope of {length} bytes exceeds the {maxMessageBytes}-byte limit");
        }

        var payload = new byte[length];
        if (await ReadFullyAsync(payload, cancellationToken).ConfigureAwait(false) < length)
        {
            throw new EnvdProtocolException("stream ended inside an envelope payload");
        }

        return new ConnectEnvelope(_header[0], payload);
    }

    private async Task<int> ReadFullyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await EnvdAnswerReads.ReadAsync(stream, buffer[total..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}
