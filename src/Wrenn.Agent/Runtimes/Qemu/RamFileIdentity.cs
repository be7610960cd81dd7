using Microsoft.Win32.SafeHandles;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>
/// Which file a template's RAM is (device, inode) and which version of it (modification time), read from
/// an open descriptor: a template is written into a staging directory and renamed into place, so its path
/// changes while the file stays the same (and so does its modification time, where the change time would not).
/// </summary>
internal readonly record struct RamFileIdentity(uint DeviceMajor, uint DeviceMinor, ulong Inode, long ModifiedSeconds, uint ModifiedNanoseconds)
{
    /// <summary>The identity of the open file, and how many names it has left (0 once it is deleted); <paramref name="path"/> names it in an error.</summary>
    /// <exception cref="IOException">statx failed.</exception>
    public static (RamFileIdentity Identity, uint Links) Of(SafeFileHandle file, string? path = null)
    {
        var status = FileStatus.Of(file, path);
        return (new RamFileIdentity(status.DeviceMajor, status.DeviceMinor, status.Inode, status.ModifiedSeconds, status.ModifiedNanoseconds), status.Links);
    }
}
