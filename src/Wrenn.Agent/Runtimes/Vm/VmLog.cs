namespace Wrenn.Agent.Runtimes.Vm;

/// <summary>
/// The log lines of Wrenn.Agent.Runtimes.Vm as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class VmLog
{
    [LoggerMessage(EventId = 3770, Level = LogLevel.Information, Message = "Built VM disk {Disk} ({ContentMb} MB of files) in {ElapsedMs:F0} ms")]
    public static partial void VmDiskBuilt(this ILogger logger, string disk, long contentMb, double elapsedMs);
}
