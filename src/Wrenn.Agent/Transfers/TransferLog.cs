namespace Wrenn.Agent.Transfers;

/// <summary>Log lines of template transfers between hosts (event ids 3950–3999).</summary>
public static partial class TransferLog
{
    [LoggerMessage(EventId = 3950, Level = LogLevel.Information, Message = "Template {Template} packed for another host: {ArchiveBytes} bytes, sha256 {Sha256}, in {ElapsedMs:F0} ms")]
    public static partial void TemplateExported(this ILogger logger, string template, long archiveBytes, string sha256, double elapsedMs);

    [LoggerMessage(EventId = 3951, Level = LogLevel.Information, Message = "Template {Template} received from another host: {ArchiveBytes} archive bytes, {SizeBytes} bytes stored, in {ElapsedMs:F0} ms")]
    public static partial void TemplateImported(this ILogger logger, string template, long archiveBytes, long sizeBytes, double elapsedMs);

    [LoggerMessage(EventId = 3952, Level = LogLevel.Warning, Message = "Template {Template} from another host refused: {Reason}")]
    public static partial void TemplateImportRefused(this ILogger logger, string template, string reason);
}
