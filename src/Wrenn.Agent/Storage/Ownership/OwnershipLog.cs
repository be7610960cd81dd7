namespace Wrenn.Agent.Storage.Ownership;

/// <summary>
/// The log lines of Wrenn.Agent.Storage.Ownership as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class OwnershipLog
{
    [LoggerMessage(EventId = 3570, Level = LogLevel.Information, Message = "Layer {Layer} copied for user namespace host id {HostId}: {Entries} entries in {ElapsedMs:F0} ms")]
    public static partial void LayerCopied(this ILogger logger, string layer, long hostId, int entries, double elapsedMs);

    [LoggerMessage(EventId = 3571, Level = LogLevel.Information, Message = "Removing {Directory}, a layer copy no sandbox uses")]
    public static partial void UnusedLayerCopyRemoved(this ILogger logger, string directory);

    [LoggerMessage(EventId = 3572, Level = LogLevel.Warning, Message = "Removing {Directory}, left by an interrupted layer copy")]
    public static partial void InterruptedLayerCopyRemoved(this ILogger logger, string directory);

    [LoggerMessage(EventId = 3573, Level = LogLevel.Warning, Message = "Could not copy image {Image}'s layer ahead for the sandboxes' user namespace; the first create from it will")]
    public static partial void LayerCopyAheadFailed(this ILogger logger, Exception exception, string image);
}
