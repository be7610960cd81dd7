using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Agent.Snapshots;

/// <summary>A memory file as Firecracker writes it: guest memory at its own offsets, holes where nothing was written.</summary>
internal sealed partial class RawMemoryFile(string path) : IBlockSource, IDisposable
{
    private const int SeekData = 3;
    private const int SeekHole = 4;
    private const int ENXIO = 6;

    private readonly SafeFileHandle _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
    private readonly byte[] _block = new byte[MemoryGenerations.BlockSize];

    public long Length => RandomAccess.GetLength(_file);

    public void ReadBlock(long block, Span<byte> destination)
    {
        var offset = block * destination.Length;
        var read = 0;
        while (read < destination.Length)
        {
            var n = RandomAccess.Read(_file, destination[read..], offset + read);
            if (n == 0)
            {
                destination[read..].Clear();
                return;
            }

            read += n;
        }
    }

    public bool IsZeroBlock(long block)
    {
        ReadBlock(block, _block);
        return !_block.AsSpan().ContainsAnyExcept((byte)0);
    }

    /// <summary>The blocks that hold data (SEEK_DATA/SEEK_HOLE): for a diff file, the pages written since the last snapshot.</summary>
    public BlockBitmap DataBlocks()
    {
        var length = Length;
        var blocks = new BlockBitmap((length + MemoryGenerations.BlockSize - 1) / MemoryGenerations.BlockSize);
        var offset = 0L;
        while (offset < length)
        {
            var start = Seek(offset, SeekData);
            if (start < 0)
            {
                break;
            }

            var end = Math.Min(Seek(start, SeekHole), length);
            var first = start / MemoryGenerations.BlockSize;
            var last = (end + MemoryGenerations.BlockSize - 1) / MemoryGenerations.BlockSize;
            blocks.SetRange(first, last - first);
            offset = end;
        }

        return blocks;
    }

    public void Dispose() => _file.Dispose();

    private long Seek(long offset, int whence)
    {
        var result = LSeek(_file, offset, whence);
        if (result >= 0)
        {
            return result;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == ENXIO ? -1 : throw new IOException($"lseek: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(SafeFileHandle file, long offset, int whence);
}
