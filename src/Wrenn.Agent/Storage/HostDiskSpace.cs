using Microsoft.Extensions.Options;

namespace Wrenn.Agent.Storage;

/// <summary>statvfs of the sandboxes' directory, less the reserve kept for what the sandboxes themselves write.</summary>
public sealed class HostDiskSpace(IOptions<AgentOptions> agentOptions, IOptions<SandboxDiskOptions> options) : IHostDiskSpace
{
    public long WritableBytes()
    {
        // The sandboxes' directory, where their disks are; it may not exist before the first create.
        var layout = agentOptions.Value.Layout;
        var path = Directory.Exists(layout.Sandboxes) ? layout.Sandboxes : agentOptions.Value.WrennDir;
        return new DriveInfo(path).AvailableFreeSpace - (options.Value.HostReserveMb * 1024 * 1024);
    }
}
