namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// A drive as a fake firecracker process saw it in its own mount namespace, when it was configured
/// (<c>PUT /drives</c>) or reopened by a snapshot load: what the VM would have read.
/// </summary>
/// <param name="Pid">The process.</param>
/// <param name="Event">"configure" or "load".</param>
/// <param name="Path">path_on_host.</param>
/// <param name="Size">Its size in bytes there.</param>
/// <param name="Ext4">True when it holds an ext4 superblock (magic 0xEF53 at byte 1080).</param>
/// <param name="BoundFrom">When the path is a mount point in the process's mount namespace, the file mounted there (the "root" field of its mountinfo line); else null.</param>
public sealed record FakeFirecrackerDriveRecord(int Pid, string Event, string Path, long Size, bool Ext4, string? BoundFrom);
