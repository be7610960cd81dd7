using System.Buffers.Binary;
using System.Numerics;

namespace Wrenn.Agent.Snapshots;

/// <summary>
/// Maps every block of a guest's memory to the generation memfile that last wrote it, or to nothing
/// (an all-zero block, served as a zero page). Immutable and always valid: every way to get one
/// (<see cref="Create"/>, <see cref="Parse"/>) checks the same rules, so code holding a header never
/// re-checks ranges. The byte layout is in docs/runtimes/snapshot-format.md.
/// </summary>
public sealed class SnapshotHeader
{
    /// <summary>The eight bytes every header starts with.</summary>
    public static ReadOnlySpan<byte> Magic => "WRNNSNAP"u8;

    /// <summary>The only layout version this agent reads and writes.</summary>
    public const uint Version = 1;

    /// <summary>Smallest block: one x86-64 page, the unit userfaultfd serves.</summary>
    public const int MinBlockSize = 4096;

    /// <summary>Largest block: a 1 GiB huge page.</summary>
    public const int MaxBlockSize = 1 << 30;

    /// <summary>Bytes before the build list: magic, version, block size, memory size, generation, build count.</summary>
    internal const int FixedPartLength = 32;

    /// <summary>Bytes of one run on disk: start block, block count (u64 each), build index (u32), offset (u64).</summary>
    internal const int RunLength = 28;

    private const int GuidLength = 16;
    private const int CrcLength = 4;

    private readonly BlockRun[] _runs;
    private readonly Guid[] _builds;

    private SnapshotHeader(int blockSize, long memorySize, int generation, Guid[] builds, BlockRun[] runs)
    {
        BlockSize = blockSize;
        MemorySize = memorySize;
        Generation = generation;
        _builds = builds;
        _runs = runs;
    }

    /// <summary>Bytes per block; a power of two between <see cref="MinBlockSize"/> and <see cref="MaxBlockSize"/>.</summary>
    public int BlockSize { get; }

    /// <summary>Bytes of guest memory the header describes; a whole number of blocks.</summary>
    public long MemorySize { get; }

    /// <summary>How many pauses since the last full snapshot, counting that one as 1.</summary>
    public int Generation { get; }

    /// <summary>The generations whose memfiles the runs point into, oldest first.</summary>
    public IReadOnlyList<Guid> Builds => _builds;

    /// <summary>The mappings, sorted by start block, never overlapping. Blocks no run covers are zero.</summary>
    public IReadOnlyList<BlockRun> Runs => _runs;

    /// <summary>Blocks in guest memory.</summary>
    public long BlockCount => MemorySize / BlockSize;

    /// <summary>
    /// A checked header. Throws <see cref="SnapshotFormatException"/> when the values break the format,
    /// the same exception a damaged file gives, because both mean the header cannot be used.
    /// </summary>
    public static SnapshotHeader Create(int blockSize, long memorySize, int generation, IEnumerable<Guid> builds, IEnumerable<BlockRun> runs)
    {
        var header = new SnapshotHeader(blockSize, memorySize, generation, [.. builds], [.. runs]);
        header.Validate();
        return header;
    }

    /// <summary>Where block <paramref name="block"/> lives; false when it is an all-zero block.</summary>
    public bool TryLocate(long block, out BlockLocation location)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(block);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(block, BlockCount);
        var index = FindRun(block);
        if (index < 0)
        {
            location = default;
            return false;
        }

        var run = _runs[index];
        location = new BlockLocation(_builds[run.BuildIndex], run.Offset + ((block - run.StartBlock) * BlockSize));
        return true;
    }

    /// <summary>Index of the run covering <paramref name="block"/>, or -1 when none does (a zero block).</summary>
    public int FindRun(long block)
    {
        int lo = 0, hi = _runs.Length - 1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) / 2);
            var run = _runs[mid];
            if (block < run.StartBlock)
            {
                hi = mid - 1;
            }
            else if (block >= run.EndBlock)
            {
                lo = mid + 1;
            }
            else
            {
                return mid;
            }
        }

        return -1;
    }

    /// <summary>The least length memfile <paramref name="buildIndex"/> must have for every run into it to be readable.</summary>
    public long RequiredMemfileLength(int buildIndex)
    {
        var length = 0L;
        foreach (var run in _runs)
        {
            if (run.BuildIndex == buildIndex)
            {
                length = Math.Max(length, run.Offset + (run.BlockCount * BlockSize));
            }
        }

        return length;
    }

    /// <summary>The header as stored on disk: little-endian fields, CRC-32 of everything before it last.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[FixedPartLength + (_builds.Length * GuidLength) + sizeof(ulong) + (_runs.Length * RunLength) + CrcLength];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], (uint)BlockSize);
        BinaryPrimitives.WriteUInt64LittleEndian(span[16..], (ulong)MemorySize);
        BinaryPrimitives.WriteUInt32LittleEndian(span[24..], (uint)Generation);
        BinaryPrimitives.WriteUInt32LittleEndian(span[28..], (uint)_builds.Length);
        var position = FixedPartLength;
        foreach (var build in _builds)
        {
            // RFC 4122 byte order, so the bytes read the same as the memfile's name.
            build.TryWriteBytes(span[position..], bigEndian: true, out _);
            position += GuidLength;
        }

        BinaryPrimitives.WriteUInt64LittleEndian(span[position..], (ulong)_runs.Length);
        position += sizeof(ulong);
        foreach (var run in _runs)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(span[position..], (ulong)run.StartBlock);
            BinaryPrimitives.WriteUInt64LittleEndian(span[(position + 8)..], (ulong)run.BlockCount);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(position + 16)..], (uint)run.BuildIndex);
            BinaryPrimitives.WriteUInt64LittleEndian(span[(position + 20)..], (ulong)run.Offset);
            position += RunLength;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[position..], Crc32.Compute(span[..position]));
        return bytes;
    }

    /// <summary>Reads a header from its stored bytes; throws <see cref="SnapshotFormatException"/> on anything wrong.</summary>
    public static SnapshotHeader Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < Magic.Length)
        {
            throw new SnapshotFormatException($"snapshot header truncated: {data.Length} bytes");
        }

        if (!data[..Magic.Length].SequenceEqual(Magic))
        {
            throw new SnapshotFormatException("not a snapshot header: bad magic");
        }

        if (data.Length < FixedPartLength)
        {
            throw new SnapshotFormatException($"snapshot header truncated: {data.Length} bytes");
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
        if (version != Version)
        {
            throw new SnapshotFormatException($"snapshot header version {version} is not supported (this agent reads version {Version})");
        }

        // Lengths come from the file itself, so every size is checked against the bytes present before
        // anything is allocated: a damaged count must not turn into a huge allocation.
        var buildCount = BinaryPrimitives.ReadUInt32LittleEndian(data[28..]);
        var runCountAt = FixedPartLength + ((long)buildCount * GuidLength);
        if (data.Length < runCountAt + sizeof(ulong))
        {
            throw new SnapshotFormatException($"snapshot header truncated: {data.Length} bytes, {buildCount} builds announced");
        }

        var runCount = BinaryPrimitives.ReadUInt64LittleEndian(data[(int)runCountAt..]);
        var expected = runCountAt + sizeof(ulong) + CrcLength;
        if (data.Length < expected || runCount > (ulong)(data.Length - expected) / RunLength)
        {
            throw new SnapshotFormatException($"snapshot header truncated: {data.Length} bytes, {runCount} runs announced");
        }

        expected += (long)runCount * RunLength;
        if (data.Length != expected)
        {
            throw new SnapshotFormatException($"snapshot header has {data.Length - expected} bytes after its end");
        }

        var crcAt = data.Length - CrcLength;
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(data[crcAt..]);
        var computed = Crc32.Compute(data[..crcAt]);
        if (stored != computed)
        {
            throw new SnapshotFormatException($"snapshot header checksum mismatch: stored {stored:x8}, computed {computed:x8}");
        }

        var blockSize = BinaryPrimitives.ReadUInt32LittleEndian(data[12..]);
        var memorySize = BinaryPrimitives.ReadUInt64LittleEndian(data[16..]);
        var generation = BinaryPrimitives.ReadUInt32LittleEndian(data[24..]);
        if (blockSize > MaxBlockSize || memorySize > long.MaxValue || generation > int.MaxValue)
        {
            throw new SnapshotFormatException($"snapshot header values out of range: block size {blockSize}, memory size {memorySize}, generation {generation}");
        }

        var builds = new Guid[buildCount];
        var position = FixedPartLength;
        for (var i = 0; i < builds.Length; i++)
        {
            builds[i] = new Guid(data.Slice(position, GuidLength), bigEndian: true);
            position += GuidLength;
        }

        position += sizeof(ulong);
        var runs = new BlockRun[runCount];
        for (var i = 0; i < runs.Length; i++)
        {
            var start = BinaryPrimitives.ReadUInt64LittleEndian(data[position..]);
            var count = BinaryPrimitives.ReadUInt64LittleEndian(data[(position + 8)..]);
            var buildIndex = BinaryPrimitives.ReadUInt32LittleEndian(data[(position + 16)..]);
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(data[(position + 20)..]);
            if (start > long.MaxValue || count > long.MaxValue || buildIndex > int.MaxValue || offset > long.MaxValue)
            {
                throw new SnapshotFormatException($"snapshot header run {i} out of range");
            }

            runs[i] = new BlockRun((long)start, (long)count, (int)buildIndex, (long)offset);
            position += RunLength;
        }

        var header = new SnapshotHeader((int)blockSize, (long)memorySize, (int)generation, builds, runs);
        header.Validate();
        return header;
    }

    /// <summary>Reads and checks the header stored at <paramref name="path"/>.</summary>
    public static SnapshotHeader ReadFile(string path) => Parse(File.ReadAllBytes(path));

    private void Validate()
    {
        if (BlockSize < MinBlockSize || BlockSize > MaxBlockSize || !BitOperations.IsPow2(BlockSize))
        {
            throw new SnapshotFormatException($"block size {BlockSize} is not a power of two between {MinBlockSize} and {MaxBlockSize}");
        }

        if (MemorySize <= 0 || MemorySize % BlockSize != 0)
        {
            throw new SnapshotFormatException($"memory size {MemorySize} is not a positive multiple of the block size {BlockSize}");
        }

        if (Generation < 1)
        {
            throw new SnapshotFormatException($"generation {Generation} is not positive");
        }

        var seen = new HashSet<Guid>();
        foreach (var build in _builds)
        {
            if (build == Guid.Empty || !seen.Add(build))
            {
                throw new SnapshotFormatException($"build id {build} is empty or listed twice");
            }
        }

        var blockCount = BlockCount;
        var previousEnd = 0L;
        for (var i = 0; i < _runs.Length; i++)
        {
            var run = _runs[i];
            if (run.BlockCount <= 0 || run.StartBlock < 0)
            {
                throw new SnapshotFormatException($"run {i} ({run}) is empty or starts before block 0");
            }

            if (run.StartBlock < previousEnd)
            {
                throw new SnapshotFormatException($"run {i} ({run}) overlaps or precedes the run before it");
            }

            if (run.BlockCount > blockCount - run.StartBlock)
            {
                throw new SnapshotFormatException($"run {i} ({run}) goes past the last block ({blockCount} blocks)");
            }

            if (run.BuildIndex < 0 || run.BuildIndex >= _builds.Length)
            {
                throw new SnapshotFormatException($"run {i} ({run}) names build {run.BuildIndex} of {_builds.Length}");
            }

            if (run.Offset < 0 || run.Offset % BlockSize != 0 || run.Offset > long.MaxValue - (run.BlockCount * BlockSize))
            {
                throw new SnapshotFormatException($"run {i} ({run}) has an offset that is not a block boundary");
            }

            previousEnd = run.EndBlock;
        }
    }
}
