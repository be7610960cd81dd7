namespace Wrenn.Agent.Pool;

/// <summary>
/// The log lines of Wrenn.Agent.Pool as source-generated methods with stable event ids
/// (docs/operations.md, "Log events: agent"): an id is never reused, so alerts and searches keep working.
/// </summary>
internal static partial class PoolLog
{
    /// <summary>Ends in the claim's steps as <see cref="Operations.StepTimingLine"/> writes them (init, name, record), for the warm create's timing.</summary>
    [LoggerMessage(EventId = 3200, Level = LogLevel.Information, Message = "Sandbox {SandboxId} running (claimed {PooledId} from the warm pool {Key}) in {ElapsedMs} ms: {Steps}")]
    public static partial void PoolClaimed(this ILogger logger, string sandboxId, string pooledId, PoolKey key, string elapsedMs, string steps);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Claiming pooled sandbox {PooledId} for {SandboxId} failed; destroying it")]
    public static partial void PoolClaimFailed(this ILogger logger, Exception exception, string pooledId, string sandboxId);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Error, Message = "Could not fully destroy pooled sandbox {PooledId}")]
    public static partial void PooledDestroyIncomplete(this ILogger logger, Exception exception, string pooledId);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "Preparing {What} failed; creates make their own for {Seconds} s")]
    public static partial void PrepareFailed(this ILogger logger, Exception exception, string what, double seconds);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Information, Message = "Warm pool {Key}: template {Template} changed; draining {Count} sandbox(es)")]
    public static partial void TemplateChangedDraining(this ILogger logger, PoolKey key, string template, int count);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Information, Message = "Warm pool: draining {Count} sandbox(es) of {Template}")]
    public static partial void DrainingTemplate(this ILogger logger, int count, string template);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Information, Message = "Warm pool: destroying {Count} sandbox(es) made of a changed template or past a quiet key's depth")]
    public static partial void DestroyingSurplus(this ILogger logger, int count);

    [LoggerMessage(EventId = 3207, Level = LogLevel.Warning, Message = "Warm pool {Key}: refill failed ({Failures} in a row); next try in {Wait:F1} s")]
    public static partial void RefillFailed(this ILogger logger, Exception exception, PoolKey key, int failures, double wait);

    [LoggerMessage(EventId = 3208, Level = LogLevel.Information, Message = "Warm pool: {Targets}")]
    public static partial void PoolTargets(this ILogger logger, string targets);

    [LoggerMessage(EventId = 3209, Level = LogLevel.Error, Message = "Warm pool refill loop failed; trying again")]
    public static partial void RefillLoopFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3210, Level = LogLevel.Error, Message = "Could not fully destroy pooled sandbox {SandboxId}")]
    public static partial void PooledSandboxDestroyIncomplete(this ILogger logger, Exception exception, string sandboxId);

    [LoggerMessage(EventId = 3211, Level = LogLevel.Error, Message = "Could not destroy pooled sandbox {SandboxId}")]
    public static partial void PooledSandboxDestroyFailed(this ILogger logger, Exception exception, string sandboxId);

    [LoggerMessage(EventId = 3350, Level = LogLevel.Debug, Message = "Pooled sandbox {SandboxId}: envd ran its warm-up process in {ElapsedMs:F1} ms")]
    public static partial void PooledEnvdWarmed(this ILogger logger, string sandboxId, double elapsedMs);

    [LoggerMessage(EventId = 3351, Level = LogLevel.Information, Message = "Pooled sandbox {SandboxId}: envd's warm-up process failed ({Reason}); the sandbox stays in the pool, its first exec not sped up")]
    public static partial void PooledEnvdWarmUpFailed(this ILogger logger, string sandboxId, string reason);

    [LoggerMessage(EventId = 3680, Level = LogLevel.Information, Message = "Warm pool: the host's capacity is {Capacity}; the pool fills only what the host's sandboxes leave of it")]
    public static partial void PoolCapacity(this ILogger logger, HostCapacity capacity);

    [LoggerMessage(EventId = 3681, Level = LogLevel.Information, Message = "Warm pool: destroying {Count} pooled sandbox(es) to make room for {SandboxId} (host capacity {Capacity})")]
    public static partial void PoolGaveWay(this ILogger logger, int count, string sandboxId, HostCapacity capacity);

    [LoggerMessage(EventId = 3682, Level = LogLevel.Information, Message = "Warm pool: destroying {Count} pooled sandbox(es) whose room the host's sandboxes hold now (host capacity {Capacity})")]
    public static partial void PoolOverCapacity(this ILogger logger, int count, HostCapacity capacity);
}
