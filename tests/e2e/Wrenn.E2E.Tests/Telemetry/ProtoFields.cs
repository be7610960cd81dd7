namespace Wrenn.E2E.Tests.Telemetry;

/// <summary>
/// Reads the fields of one protobuf message (wire format): enough to walk OTLP's trace export request
/// without its generated classes. Length-delimited fields come back as their bytes; varints and fixed
/// numbers are skipped (the test needs none of them).
/// </summary>
public static class ProtoFields
{
    public static IEnumerable<(int Field, ReadOnlyMemory<byte> Bytes)> LengthDelimited(ReadOnlyMemory<byte> message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message.Span, ref position);
            var field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    ReadVarint(message.Span, ref position);
                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message.Span, ref position);
                    yield return (field, message.Slice(position, length));
                    position += length;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"wire type {tag & 7} at {position}");
            }
        }
    }

    /// <summary>The first length-delimited field <paramref name="field"/> as bytes, or empty.</summary>
    public static ReadOnlyMemory<byte> First(ReadOnlyMemory<byte> message, int field) =>
        LengthDelimited(message).FirstOrDefault(f => f.Field == field).Bytes;

    public static string Text(ReadOnlyMemory<byte> bytes) => System.Text.Encoding.UTF8.GetString(bytes.Span);

    public static string Hex(ReadOnlyMemory<byte> bytes) => Convert.ToHexStringLower(bytes.Span);

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
