namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>Log lines of copying templates between hosts and evicting unused copies (event ids 2950–2999).</summary>
public static partial class TemplateCopyLog
{
    [LoggerMessage(EventId = 2950, Level = LogLevel.Information, Message = "Template {TemplateId} copied from host {SourceHostId} to host {HostId}: {ArchiveBytes} bytes in {ElapsedMs:F0} ms")]
    public static partial void TemplateCopied(this ILogger logger, string templateId, string sourceHostId, string hostId, long archiveBytes, double elapsedMs);

    [LoggerMessage(EventId = 2951, Level = LogLevel.Warning, Message = "Copying template {TemplateId} to host {HostId} failed: host {SourceHostId} could not send it ({Status})")]
    public static partial void TemplateSourceFailed(this ILogger logger, string templateId, string hostId, string sourceHostId, string status);

    [LoggerMessage(EventId = 2952, Level = LogLevel.Warning, Message = "Copying template {TemplateId} from host {SourceHostId} to host {HostId} failed: the receiving host refused it ({Status})")]
    public static partial void TemplateImportFailed(this ILogger logger, string templateId, string sourceHostId, string hostId, string status);

    [LoggerMessage(EventId = 2953, Level = LogLevel.Information, Message = "Copy of template {TemplateId} removed from host {HostId}: unused since {LastUsedAt:o}")]
    public static partial void TemplateCopyEvicted(this ILogger logger, string templateId, string hostId, DateTime lastUsedAt);

    [LoggerMessage(EventId = 2954, Level = LogLevel.Warning, Message = "Copy of template {TemplateId} on host {HostId} was not removed: {Reason}")]
    public static partial void TemplateCopyKept(this ILogger logger, string templateId, string hostId, string reason);

    [LoggerMessage(EventId = 2955, Level = LogLevel.Error, Message = "Evicting unused template copies failed")]
    public static partial void EvictionFailed(this ILogger logger, Exception exception);
}
