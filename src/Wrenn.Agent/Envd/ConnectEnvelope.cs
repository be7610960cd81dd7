namespace Wrenn.Agent.Envd;

/// <summary>One frame of a Connect stream: a flags byte and a payload.</summary>
public readonly record struct ConnectEnvelope(byte Flags, ReadOnlyMemory<byte> Payload)
{
    public const byte CompressedFlag = 0x01;
    public const byte EndStreamFlag = 0x02;
    public const int HeaderLength = 5;

    public bool IsEndStream => (Flags & EndStreamFlag) != 0;

    public bool IsCompressed => (Flags & CompressedFlag) != 0;

    /// <summary>Frames <paramref name="payload"/> as a single uncompressed message.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var frame = new byte[HeaderLength + payload.Length];
        frame[0] = 0;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), payload.Length);
        payload.CopyTo(frame.AsSpan(HeaderLength));
        return frame;
    }
}
