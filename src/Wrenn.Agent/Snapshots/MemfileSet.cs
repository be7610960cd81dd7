using Microsoft.Win32.SafeHandles;

namespace Wrenn.Agent.Snapshots;

/// <summary>
/// Guest memory as a snapshot directory stores it: reads any byte range through the header, from the
/// generation memfile that last wrote each block, or zeros. Reads are positional (pread), so the
/// page server and a collapse can read at once from any thread.
/// </summary>
public sealed class MemfileSet : IBlockSource, IDisposable
{
    private readonly SafeFileHandle[] _memfiles;

    private MemfileSet(string directory, SnapshotHeader header, SafeFileHandle[] memfiles)
    {
        Directory = directory;
        Header = header;
        _memfiles = memfiles;
    }

    /// <summary>The snapshot directory read from.</summary>
    public string Directory { get; }

    /// <summary>The header in force.</summary>
    public SnapshotHeader Header { get; }

    /// <summary>Opens the header stored in <paramref name="directory"/> and every memfile it references.</summary>
    public static MemfileSet Open(string directory) =>
        Open(directory, SnapshotHeader.ReadFile(SnapshotDirectory.HeaderPath(directory)));

    /// <summary>
    /// Opens every memfile <paramref name="header"/> references in <paramref name="directory"/>; a
    /// missing memfile, or one too short for its runs, is a <see cref="SnapshotFormatException"/> now
    /// rather than a wrong page later.
    /// </summary>
    public static MemfileSet Open(string directory, SnapshotHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var memfiles = new SafeFileHandle[header.Builds.Count];
        try
        {
            for (var i = 0; i < memfiles.Length; i++)
            {
                var path = SnapshotDirectory.MemfilePath(directory, header.Builds[i]);
                try
                {
                    // Delete is shared so that cleanup of an older set never waits on a reader.
                    memfiles[i] = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
                }
                catch (FileNotFoundException)
                {
                    throw new SnapshotFormatException($"{path} is referenced by the header but missing");
                }

                var required = header.RequiredMemfileLength(i);
                var length = RandomAccess.GetLength(memfiles[i]);
                if (length < required)
                {
                    throw new SnapshotFormatException($"{path} has {length} bytes, the header needs {required}");
                }
            }
        }
        catch
        {
            foreach (var memfile in memfiles)
            {
                memfile?.Dispose();
            }

            throw;
        }

        return new MemfileSet(directory, header, memfiles);
    }

    /// <inheritdoc/>
    public void ReadBlock(long block, Span<byte> destination)
    {
        if (destination.Length != Header.BlockSize)
        {
            throw new ArgumentException($"destination is {destination.Length} bytes, a block is {Header.BlockSize}", nameof(destination));
        }

        Read(block * Header.BlockSize, destination);
    }

    /// <summary>Copies guest memory from byte <paramref name="offset"/> into <paramref name="destination"/>; the range may cross blocks and generations.</summary>
    public void Read(long offset, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, Header.MemorySize - destination.Length);
        var blockSize = Header.BlockSize;
        while (!destination.IsEmpty)
        {
            var block = offset / blockSize;
            var index = Header.FindRun(block);
            if (index < 0)
            {
                var zeros = (int)Math.Min(destination.Length, ((block + 1) * blockSize) - offset);
                destination[..zeros].Clear();
                destination = destination[zeros..];
                offset += zeros;
                continue;
            }

            // A run's blocks are contiguous in its memfile, so one read covers all of the run we need.
            var run = Header.Runs[index];
            var count = (int)Math.Min(destination.Length, (run.EndBlock * blockSize) - offset);
            ReadExactly(_memfiles[run.BuildIndex], destination[..count], run.Offset + (offset - (run.StartBlock * blockSize)));
            destination = destination[count..];
            offset += count;
        }
    }

    /// <summary>True when no block touching [<paramref name="offset"/>, offset + <paramref name="length"/>) is mapped: the range reads as zeros.</summary>
    public bool IsZeroRange(long offset, long length)
    {
        var blockSize = Header.BlockSize;
        var first = offset / blockSize;
        var last = (offset + length - 1) / blockSize;
        for (var block = first; block <= last; block++)
        {
            var index = Header.FindRun(block);
            if (index >= 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Closes the memfiles.</summary>
    public void Dispose()
    {
        foreach (var memfile in _memfiles)
        {
            memfile.Dispose();
        }
    }

    private void ReadExactly(SafeFileHandle file, Span<byte> destination, long fileOffset)
    {
        while (!destination.IsEmpty)
        {
            var read = RandomAccess.Read(file, destination, fileOffset);
            if (read == 0)
            {
                throw new SnapshotFormatException($"a memfile in {Directory} ended at byte {fileOffset}, before the header's runs do");
            }

            destination = destination[read..];
            fileOffset += read;
        }
    }
}
