using System.Numerics;

namespace Wrenn.Agent.Snapshots;

/// <summary>
/// One bit per guest block: which blocks a pause must write (dirtied since the last generation).
/// Bits in 64-bit words like the dirty bitmaps KVM and Firecracker keep, so one can be filled from the
/// other word by word; 4 GiB of 4 KiB blocks is 128 KiB of bitmap.
/// </summary>
public sealed class BlockBitmap
{
    private readonly ulong[] _words;

    /// <summary>An all-clear bitmap of <paramref name="length"/> blocks.</summary>
    public BlockBitmap(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        _words = new ulong[(length + 63) / 64];
    }

    /// <summary>Blocks the bitmap covers.</summary>
    public long Length { get; }

    /// <summary>Whether block <paramref name="block"/> is set.</summary>
    public bool IsSet(long block)
    {
        CheckIndex(block);
        return (_words[block >> 6] & (1UL << (int)(block & 63))) != 0;
    }

    /// <summary>Sets block <paramref name="block"/>.</summary>
    public void Set(long block)
    {
        CheckIndex(block);
        _words[block >> 6] |= 1UL << (int)(block & 63);
    }

    /// <summary>Clears block <paramref name="block"/>.</summary>
    public void Clear(long block)
    {
        CheckIndex(block);
        _words[block >> 6] &= ~(1UL << (int)(block & 63));
    }

    /// <summary>Sets every block in [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>).</summary>
    public void SetRange(long start, long count)
    {
        for (var block = start; block < start + count; block++)
        {
            Set(block);
        }
    }

    /// <summary>How many blocks are set.</summary>
    public long CountSet()
    {
        var count = 0L;
        foreach (var word in _words)
        {
            count += BitOperations.PopCount(word);
        }

        return count;
    }

    /// <summary>The first set block at or after <paramref name="from"/>, or -1; skips clear words 64 blocks at a time.</summary>
    public long NextSet(long from)
    {
        if (from < 0 || from >= Length)
        {
            return -1;
        }

        var wordIndex = from >> 6;
        var word = _words[wordIndex] & (ulong.MaxValue << (int)(from & 63));
        while (true)
        {
            if (word != 0)
            {
                var block = (wordIndex << 6) + BitOperations.TrailingZeroCount(word);
                return block < Length ? block : -1;
            }

            if (++wordIndex >= _words.Length)
            {
                return -1;
            }

            word = _words[wordIndex];
        }
    }

    private void CheckIndex(long block)
    {
        if ((ulong)block >= (ulong)Length)
        {
            throw new ArgumentOutOfRangeException(nameof(block), block, $"block outside a bitmap of {Length} blocks");
        }
    }
}
