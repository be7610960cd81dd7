namespace Wrenn.Agent.Storage;

/// <summary>What the disk holding the sandboxes ($WRENN_DIR) can still take; tests replace it to play a full host.</summary>
public interface IHostDiskSpace
{
    /// <summary>
    /// Bytes a file write into a sandbox may still put on the host: what is free there less
    /// <see cref="SandboxDiskOptions.HostReserveMb"/>; 0 or less means the host is full for writes.
    /// </summary>
    long WritableBytes();
}
