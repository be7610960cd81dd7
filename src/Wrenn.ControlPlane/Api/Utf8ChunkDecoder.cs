using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// Turns a byte stream that arrives in chunks into text chunks, carrying a character split across two
/// chunks over to the next one. A chunk that is not UTF-8 at all comes out as base64 instead.
/// </summary>
public sealed class Utf8ChunkDecoder
{
    private byte[] _pending = [];

    /// <summary>The chunk as text, or as base64 when it is not valid UTF-8.</summary>
    public (string Data, bool IsBase64) Decode(ReadOnlySpan<byte> chunk)
    {
        byte[] bytes = [.. _pending, .. chunk];
        _pending = [];
        var chars = new char[bytes.Length];
        var status = Utf8.ToUtf16(bytes, chars, out var read, out var written, replaceInvalidSequences: false, isFinalBlock: false);
        if (status == OperationStatus.Done || (status == OperationStatus.NeedMoreData && bytes.Length - read <= 3))
        {
            _pending = bytes[read..];
            return (new string(chars, 0, written), false);
        }

        return (Convert.ToBase64String(bytes), true);
    }

    /// <summary>What is left at the end of the stream (an incomplete character), as base64; null when nothing is.</summary>
    public string? Flush()
    {
        if (_pending.Length == 0)
        {
            return null;
        }

        var rest = Convert.ToBase64String(_pending);
        _pending = [];
        return rest;
    }

    internal static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
