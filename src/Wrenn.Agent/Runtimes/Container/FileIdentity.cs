using Wrenn.Agent.Os;

namespace Wrenn.Agent.Runtimes.Container;

/// <summary>
/// What tells one file's content from another's without reading it: a changed file gets a new change time (which,
/// unlike the modification time, nobody can set back), a file put in its place (a package upgrade) a new inode.
/// </summary>
internal readonly record struct FileIdentity(uint DeviceMajor, uint DeviceMinor, ulong Inode, long Size, long ChangeSeconds, uint ChangeNanoseconds)
{
    public static FileIdentity Of(FileStatus status) =>
        new(status.DeviceMajor, status.DeviceMinor, status.Inode, status.Size, status.ChangedSeconds, status.ChangedNanoseconds);
}
