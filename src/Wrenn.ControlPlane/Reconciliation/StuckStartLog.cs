namespace Wrenn.ControlPlane.Reconciliation;

/// <summary>The log lines of <see cref="StuckStarts"/> (event ids 2900–2919 of cpfix's 2900–2949).</summary>
public static partial class StuckStartLog
{
    [LoggerMessage(EventId = 2900, Level = LogLevel.Warning, Message = "Sandbox {SandboxId} was starting for more than {Grace} and host {HostId} has it {State}; now {NewState}")]
    public static partial void StuckStartSettled(this ILogger logger, string sandboxId, TimeSpan grace, string hostId, string state, string newState);

    [LoggerMessage(EventId = 2901, Level = LogLevel.Warning, Message = "Sandbox {SandboxId} was starting for more than {Grace} and host {HostId} does not have it; now error")]
    public static partial void StuckStartMissing(this ILogger logger, string sandboxId, TimeSpan grace, string hostId);

    [LoggerMessage(EventId = 2902, Level = LogLevel.Warning, Message = "Sandbox {SandboxId} was starting for more than {Grace} and host {HostId} has it {State}; now error, and the host destroys it")]
    public static partial void StuckStartFailed(this ILogger logger, string sandboxId, TimeSpan grace, string hostId, string state);
}
