using Wrenn.Common.Configuration;

namespace Wrenn.ControlPlane.Scheduling;

/// <summary>How the scheduler chooses a host (WRENN_SCHEDULING_*).</summary>
public sealed class SchedulingOptions
{
    public SchedulingPolicy Policy { get; set; } = SchedulingPolicy.Spread;

    /// <summary>
    /// What a create that fits nowhere tells the client to wait (Retry-After). Room comes back when
    /// sandboxes end or pools shrink, which the control plane cannot predict; a short fixed wait keeps
    /// clients from hammering and from giving up too early.
    /// </summary>
    public TimeSpan NoCapacityRetryAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a template's copy on another host than its own may go unused (no sandbox from it placed
    /// there) before it is removed from that host. Copies are a cache: the next create there copies the
    /// template again. The template's own host keeps it until the template is deleted.
    /// </summary>
    public TimeSpan TemplateCopyIdle { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The settings the environment gives; a value that is not allowed throws an <see cref="ArgumentException"/> naming its variable.</summary>
    public static SchedulingOptions FromEnvironment(SettingReader settings)
    {
        var defaults = new SchedulingOptions();
        return new SchedulingOptions
        {
            Policy = ParsePolicy(settings.Get(WrennEnvironment.SchedulingPolicy), defaults.Policy),
            NoCapacityRetryAfter = settings.Seconds(WrennEnvironment.SchedulingRetryAfterSec, defaults.NoCapacityRetryAfter, 1, 3600),
            TemplateCopyIdle = settings.Seconds(WrennEnvironment.TemplateCopyIdleSec, defaults.TemplateCopyIdle, 60, 365 * 86400),
        };
    }

    private static SchedulingPolicy ParsePolicy(string? text, SchedulingPolicy defaultValue) => text?.ToLowerInvariant() switch
    {
        null => defaultValue,
        "spread" => SchedulingPolicy.Spread,
        "pack" => SchedulingPolicy.Pack,
        _ => throw new ArgumentException($"{WrennEnvironment.SchedulingPolicy}='{text}': must be a policy: spread (the default) or pack"),
    };
}
