namespace Wrenn.Agent.Transfers;

/// <summary>Log lines of sandboxes moving between hosts (event ids 3850–3899).</summary>
public static partial class SandboxTransferLog
{
    [LoggerMessage(EventId = 3850, Level = LogLevel.Information, Message = "Paused sandbox {SandboxId} packed for another host: {ArchiveBytes} bytes, sha256 {Sha256}, in {ElapsedMs:F0} ms")]
    public static partial void SandboxExported(this ILogger logger, string sandboxId, long archiveBytes, string sha256, double elapsedMs);

    [LoggerMessage(EventId = 3851, Level = LogLevel.Information, Message = "Sandbox {SandboxId} received from another host: {ArchiveBytes} archive bytes, paused here on slot {Slot}, in {ElapsedMs:F0} ms")]
    public static partial void SandboxImported(this ILogger logger, string sandboxId, long archiveBytes, string slot, double elapsedMs);

    [LoggerMessage(EventId = 3852, Level = LogLevel.Warning, Message = "Sandbox {SandboxId} from another host refused: {Reason}")]
    public static partial void SandboxImportRefused(this ILogger logger, string sandboxId, string reason);

    [LoggerMessage(EventId = 3853, Level = LogLevel.Warning, Message = "Sandbox {SandboxId} from another host could not be removed completely after its import failed; the agent's next start removes the rest")]
    public static partial void SandboxImportCleanupFailed(this ILogger logger, Exception exception, string sandboxId);
}
