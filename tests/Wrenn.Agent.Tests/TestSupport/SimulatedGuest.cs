using Wrenn.Agent.Snapshots;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>Guest memory as a byte array that a seeded random "guest" writes to between pauses.</summary>
internal sealed class SimulatedGuest : IBlockSource
{
    public SimulatedGuest(long blockCount, int blockSize, Random random)
    {
        BlockSize = blockSize;
        Memory = new byte[blockCount * blockSize];

        // A booted guest: most memory untouched (zero), some of it in use.
        for (var block = 0L; block < blockCount; block++)
        {
            if (random.Next(3) == 0)
            {
                random.NextBytes(Block(block));
            }
        }
    }

    public int BlockSize { get; }

    public byte[] Memory { get; }

    public long MemorySize => Memory.LongLength;

    public long BlockCount => Memory.LongLength / BlockSize;

    public Span<byte> Block(long block) => Memory.AsSpan(checked((int)(block * BlockSize)), BlockSize);

    public void ReadBlock(long block, Span<byte> destination) => Block(block).CopyTo(destination);

    public bool IsZero(long block) => !Block(block).ContainsAnyExcept((byte)0);

    /// <summary>Writes to a random set of blocks the way a running guest would, and returns them as dirty.</summary>
    public BlockBitmap Run(Random random)
    {
        var dirty = new BlockBitmap(BlockCount);
        var writes = random.Next((int)Math.Min(BlockCount, 64) + 1);
        for (var i = 0; i < writes; i++)
        {
            var block = random.NextInt64(BlockCount);

            // Sometimes a stretch, so runs of fresh blocks form; sometimes freed memory (zeros);
            // sometimes a few bytes; sometimes the very bytes that were there.
            var length = random.Next(4) == 0 ? Math.Min(BlockCount - block, random.Next(1, 9)) : 1;
            for (var b = block; b < block + length; b++)
            {
                dirty.Set(b);
                switch (random.Next(10))
                {
                    case < 3:
                        Block(b).Clear();
                        break;
                    case 3:
                        Block(b)[random.Next(BlockSize)] = (byte)random.Next(1, 256);
                        break;
                    case 4:
                        break;
                    default:
                        random.NextBytes(Block(b));
                        break;
                }
            }
        }

        return dirty;
    }
}
