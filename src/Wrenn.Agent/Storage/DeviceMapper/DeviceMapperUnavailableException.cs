namespace Wrenn.Agent.Storage.DeviceMapper;

/// <summary>The kernel cannot make device-mapper snapshots here (no driver, no snapshot target): use a fallback.</summary>
public sealed class DeviceMapperUnavailableException(string reason) : Exception($"device-mapper snapshots are not available: {reason}")
{
    public string Reason { get; } = reason;
}
