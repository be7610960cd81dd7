namespace Wrenn.Agent.Runtimes.Container;

/// <summary>What tells one file's content from another's without reading it: a changed file gets a new change time.</summary>
internal readonly record struct FileIdentity(uint DeviceMajor, uint DeviceMinor, ulong Inode, long Size, long ChangeSeconds, uint ChangeNanoseconds);
