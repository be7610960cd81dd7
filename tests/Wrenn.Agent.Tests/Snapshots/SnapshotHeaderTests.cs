using System.Buffers.Binary;
using System.Text;
using Wrenn.Agent.Snapshots;

namespace Wrenn.Agent.Tests.Snapshots;

public sealed class SnapshotHeaderTests
{
    private static readonly Guid BuildA = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
    private static readonly Guid BuildB = Guid.Parse("0f0e0d0c-0b0a-0908-0706-050403020100");

    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
    }

    [Fact]
    public void Layout_is_the_documented_one()
    {
        var header = SnapshotHeader.Create(4096, 16 * 4096, 2, [BuildA, BuildB], [new BlockRun(1, 3, 0, 0), new BlockRun(7, 2, 1, 8192)]);
        var bytes = header.ToBytes();

        Assert.Equal(32 + (2 * 16) + 8 + (2 * 28) + 4, bytes.Length);
        Assert.Equal("WRNNSNAP", Encoding.ASCII.GetString(bytes, 0, 8));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(4096u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12)));
        Assert.Equal(16UL * 4096, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(24)));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(28)));
        Assert.Equal(Convert.FromHexString("00112233445566778899aabbccddeeff"), bytes[32..48]);
        Assert.Equal(2UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(64)));
        var second = bytes.AsSpan(72 + 28);
        Assert.Equal(7UL, BinaryPrimitives.ReadUInt64LittleEndian(second));
        Assert.Equal(2UL, BinaryPrimitives.ReadUInt64LittleEndian(second[8..]));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(second[16..]));
        Assert.Equal(8192UL, BinaryPrimitives.ReadUInt64LittleEndian(second[20..]));
        Assert.Equal(Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)));
    }

    [Fact]
    public void Locates_blocks_through_runs_and_leaves_gaps_zero()
    {
        var header = SnapshotHeader.Create(4096, 16 * 4096, 2, [BuildA, BuildB], [new BlockRun(1, 3, 0, 0), new BlockRun(7, 2, 1, 8192)]);

        Assert.False(header.TryLocate(0, out _));
        Assert.True(header.TryLocate(3, out var third));
        Assert.Equal(new BlockLocation(BuildA, 2 * 4096), third);
        Assert.False(header.TryLocate(4, out _));
        Assert.True(header.TryLocate(8, out var eighth));
        Assert.Equal(new BlockLocation(BuildB, 8192 + 4096), eighth);
        Assert.False(header.TryLocate(15, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => header.TryLocate(16, out _));
    }

    [Fact]
    public void Random_headers_round_trip_byte_exactly_and_reject_every_damage()
    {
        TestSeed.ForEach(300, (random, _) =>
        {
            var bytes = RandomHeader(random).ToBytes();
            Assert.Equal(bytes, SnapshotHeader.Parse(bytes).ToBytes());

            // Any one changed byte: CRC-32 catches every single-byte error, and the fields before it are checked too.
            var damaged = (byte[])bytes.Clone();
            damaged[random.Next(damaged.Length)] ^= (byte)random.Next(1, 256);
            Assert.Throws<SnapshotFormatException>(() => SnapshotHeader.Parse(damaged));

            Assert.Throws<SnapshotFormatException>(() => SnapshotHeader.Parse(bytes.AsSpan(0, random.Next(bytes.Length))));
            Assert.Throws<SnapshotFormatException>(() => SnapshotHeader.Parse([.. bytes, (byte)random.Next(256)]));
        });
    }

    [Fact]
    public void Every_truncation_is_rejected()
    {
        var bytes = SnapshotHeader.Create(4096, 64 * 4096, 3, [BuildA, BuildB], [new BlockRun(0, 2, 1, 0), new BlockRun(5, 9, 0, 4096)]).ToBytes();
        for (var length = 0; length < bytes.Length; length++)
        {
            var error = Assert.Throws<SnapshotFormatException>(() => SnapshotHeader.Parse(bytes.AsSpan(0, length)));
            Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("magic", "bad magic")]
    [InlineData("version", "version 2 is not supported")]
    [InlineData("crc", "checksum mismatch")]
    [InlineData("overlap", "overlaps")]
    [InlineData("unsorted", "overlaps or precedes")]
    [InlineData("past-end", "goes past the last block")]
    [InlineData("empty-run", "is empty")]
    [InlineData("build-index", "names build 2 of 2")]
    [InlineData("offset", "not a block boundary")]
    [InlineData("block-size", "not a power of two")]
    [InlineData("memory-size", "not a positive multiple")]
    [InlineData("generation", "generation 0")]
    [InlineData("build-count", "truncated")]
    [InlineData("run-count", "truncated")]
    public void Rejects_headers_that_break_the_format(string damage, string message)
    {
        var bytes = SnapshotHeader.Create(4096, 16 * 4096, 2, [BuildA, BuildB], [new BlockRun(1, 3, 0, 0), new BlockRun(7, 2, 1, 8192)]).ToBytes();
        var span = bytes.AsSpan();
        const int firstRun = 72, secondRun = 100;
        switch (damage)
        {
            case "magic": span[3] = (byte)'X'; break;
            case "version": BinaryPrimitives.WriteUInt32LittleEndian(span[8..], 2); break;
            case "crc": span[^1] ^= 1; break;
            case "overlap": BinaryPrimitives.WriteUInt64LittleEndian(span[secondRun..], 3); break;
            case "unsorted": BinaryPrimitives.WriteUInt64LittleEndian(span[secondRun..], 0); break;
            case "past-end": BinaryPrimitives.WriteUInt64LittleEndian(span[(secondRun + 8)..], 10); break;
            case "empty-run": BinaryPrimitives.WriteUInt64LittleEndian(span[(firstRun + 8)..], 0); break;
            case "build-index": BinaryPrimitives.WriteUInt32LittleEndian(span[(secondRun + 16)..], 2); break;
            case "offset": BinaryPrimitives.WriteUInt64LittleEndian(span[(secondRun + 20)..], 100); break;
            case "block-size": BinaryPrimitives.WriteUInt32LittleEndian(span[12..], 5000); break;
            case "memory-size": BinaryPrimitives.WriteUInt64LittleEndian(span[16..], (16 * 4096) + 1); break;
            case "generation": BinaryPrimitives.WriteUInt32LittleEndian(span[24..], 0); break;
            case "build-count": BinaryPrimitives.WriteUInt32LittleEndian(span[28..], uint.MaxValue); break;
            case "run-count": BinaryPrimitives.WriteUInt64LittleEndian(span[64..], ulong.MaxValue); break;
        }

        // Recompute the checksum so that the field checks behind it are what rejects the header.
        if (damage is not ("crc" or "magic" or "version"))
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[^4..], Crc32.Compute(span[..^4]));
        }

        var error = Assert.Throws<SnapshotFormatException>(() => SnapshotHeader.Parse(bytes));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_checks_the_same_rules_as_parse()
    {
        Assert.Throws<SnapshotFormatException>(() => SnapshotHeader.Create(4096, 8 * 4096, 1, [BuildA], [new BlockRun(0, 4, 0, 0), new BlockRun(2, 4, 0, 16384)]));
        Assert.Throws<SnapshotFormatException>(() => SnapshotHeader.Create(4096, 8 * 4096, 1, [BuildA, BuildA], []));
        Assert.Throws<SnapshotFormatException>(() => SnapshotHeader.Create(4096, 8 * 4096, 1, [Guid.Empty], []));
        Assert.Throws<SnapshotFormatException>(() => SnapshotHeader.Create(2048, 8 * 2048, 1, [], []));
    }

    [Fact]
    public void A_memfile_set_refuses_missing_or_short_memfiles()
    {
        using var temp = new TempDirectory();
        var header = SnapshotHeader.Create(4096, 8 * 4096, 1, [BuildA], [new BlockRun(0, 4, 0, 0)]);
        SnapshotWriter.WriteHeader(temp.Path, header);
        Assert.Contains("missing", Assert.Throws<SnapshotFormatException>(() => MemfileSet.Open(temp.Path)).Message, StringComparison.Ordinal);

        File.WriteAllBytes(SnapshotDirectory.MemfilePath(temp.Path, BuildA), new byte[3 * 4096]);
        Assert.Contains("needs 16384", Assert.Throws<SnapshotFormatException>(() => MemfileSet.Open(temp.Path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cleanup_reports_stray_memfiles_and_leftover_temporary_files_only()
    {
        using var temp = new TempDirectory();
        var header = SnapshotHeader.Create(4096, 8 * 4096, 1, [BuildA], [new BlockRun(0, 1, 0, 0)]);
        SnapshotWriter.WriteHeader(temp.Path, header);
        foreach (var name in new[] { $"memfile.{BuildA}", $"memfile.{BuildB}", $"memfile.{Guid.Empty}.tmp", "memfile.header.tmp", "memfile.notes", "rootfs.ext4" })
        {
            File.WriteAllBytes(Path.Combine(temp.Path, name), []);
        }

        Assert.Equal(
            [Path.Combine(temp.Path, $"memfile.{Guid.Empty}.tmp"), Path.Combine(temp.Path, $"memfile.{BuildB}"), Path.Combine(temp.Path, "memfile.header.tmp")],
            SnapshotDirectory.FindUnreferenced(temp.Path, header));
    }

    private static SnapshotHeader RandomHeader(Random random)
    {
        var blockSize = 4096 << random.Next(10);
        var blockCount = random.NextInt64(1, 5000);
        var builds = Enumerable.Range(0, random.Next(0, 11)).Select(_ => Guid.NewGuid()).ToArray();
        var runs = new List<BlockRun>();
        var nextOffsets = new long[builds.Length];
        var block = 0L;
        while (builds.Length > 0 && block < blockCount)
        {
            block += random.Next(0, 20);
            if (block >= blockCount)
            {
                break;
            }

            var count = Math.Min(blockCount - block, random.Next(1, 50));
            var build = random.Next(builds.Length);
            runs.Add(new BlockRun(block, count, build, nextOffsets[build]));
            nextOffsets[build] += count * blockSize;
            block += count;
        }

        return SnapshotHeader.Create(blockSize, blockCount * blockSize, random.Next(1, 11), builds, runs);
    }
}
