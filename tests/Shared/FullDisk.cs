using System.Diagnostics;
using System.Globalization;

namespace Wrenn.Tests.Shared;

/// <summary>Fills a test's own small filesystem to the last byte, for the tests of what a full disk does.</summary>
public static class FullDisk
{
    /// <summary>
    /// Writes zeros to <paramref name="path"/> until the filesystem has no byte left (unbuffered: each write reaches
    /// the filesystem or fails). With <paramref name="allocateFirst"/>, what is free is first taken with fallocate into
    /// <paramref name="path"/>.big (unwritten extents: a large filesystem fills at once and costs the host nothing).
    /// </summary>
    public static void Fill(string path, bool allocateFirst = false)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var free = new DriveInfo(Path.GetDirectoryName(path)!).AvailableFreeSpace;
        if (allocateFirst && free > 8 << 20)
        {
            using var allocate = Process.Start("fallocate", ["-l", (free - (4 << 20)).ToString(CultureInfo.InvariantCulture), path + ".big"])!;
            allocate.WaitForExit();
        }

        var chunk = new byte[1 << 20];
        for (var size = chunk.Length; size > 0; size /= 2)
        {
            try
            {
                while (true)
                {
                    file.Write(chunk, 0, size);
                }
            }
            catch (IOException)
            {
                // Not that much left; try less.
            }
        }
    }
}
