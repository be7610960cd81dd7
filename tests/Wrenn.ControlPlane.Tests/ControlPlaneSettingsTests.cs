using Wrenn.Common.Configuration;

namespace Wrenn.ControlPlane.Tests;

/// <summary>Every control plane setting comes from a WRENN_* variable, and a bad one stops the start naming it.</summary>
public sealed class ControlPlaneSettingsTests
{
    [Fact]
    public void Overcommit_reconcile_and_missed_heartbeats_are_read_from_their_variables()
    {
        var options = ControlPlaneOptions.FromEnvironment(Reader(new()
        {
            [WrennEnvironment.CpuOvercommit] = "4",
            [WrennEnvironment.MemoryOvercommit] = "1.25",
            [WrennEnvironment.ReconcileIntervalSec] = "20",
            [WrennEnvironment.MissedHeartbeats] = "5",
        }));

        Assert.Equal(4.0, options.CpuOvercommit);
        Assert.Equal(1.25, options.MemoryOvercommit);
        Assert.Equal(TimeSpan.FromSeconds(20), options.ReconcileInterval);
        Assert.Equal(5, options.MissedHeartbeatsBeforeUnreachable);
    }

    [Fact]
    public void The_scheduling_policy_and_its_retry_wait_are_read_from_their_variables_in_any_case()
    {
        var options = ControlPlaneOptions.FromEnvironment(Reader(new()
        {
            [WrennEnvironment.SchedulingPolicy] = "Pack",
            [WrennEnvironment.SchedulingRetryAfterSec] = "30",
        }));

        Assert.Equal(Wrenn.ControlPlane.Scheduling.SchedulingPolicy.Pack, options.Scheduling.Policy);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Scheduling.NoCapacityRetryAfter);
        Assert.Equal(Wrenn.ControlPlane.Scheduling.SchedulingPolicy.Spread, ControlPlaneOptions.FromEnvironment(Reader([])).Scheduling.Policy);
    }

    [Fact]
    public void Unset_variables_leave_the_defaults()
    {
        var options = ControlPlaneOptions.FromEnvironment(Reader([]));
        var defaults = new ControlPlaneOptions();

        Assert.Equal(defaults.CpuOvercommit, options.CpuOvercommit);
        Assert.Equal(defaults.ReconcileInterval, options.ReconcileInterval);
        Assert.Equal(defaults.HeartbeatInterval, options.HeartbeatInterval);
    }

    [Theory]
    [InlineData("WRENN_HEARTBEAT_INTERVAL_SEC", "thirty", "whole number of seconds from 1 to 3600")]
    [InlineData("WRENN_ACTIVITY_INTERVAL_SEC", "0", "whole number of seconds from 1 to 3600")]
    [InlineData("WRENN_RECONCILE_INTERVAL_SEC", "-5", "whole number of seconds from 1 to 3600")]
    [InlineData("WRENN_CPU_OVERCOMMIT", "1,5", "number from 0.1 to 1000")]
    [InlineData("WRENN_MEMORY_OVERCOMMIT", "lots", "number from 0.1 to 100")]
    [InlineData("WRENN_MISSED_HEARTBEATS", "0", "whole number from 1 to 100")]
    [InlineData("WRENN_SCHEDULING_POLICY", "random", "spread (the default) or pack")]
    [InlineData("WRENN_SCHEDULING_RETRY_AFTER_SEC", "0", "whole number of seconds from 1 to 3600")]
    public void A_bad_value_names_the_variable_the_value_and_what_is_allowed(string variable, string value, string allowed)
    {
        var ex = Assert.Throws<ArgumentException>(() => ControlPlaneOptions.FromEnvironment(Reader(new() { [variable] = value })));

        Assert.StartsWith($"{variable}='{value}': must be a ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(allowed, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_starting_grace_is_read_from_its_variable_and_must_outlast_the_agent_create_deadline()
    {
        Assert.Equal(TimeSpan.FromSeconds(600), ControlPlaneOptions.FromEnvironment(Reader(new() { [WrennEnvironment.StartingGraceSec] = "600" })).StartingGrace);
        Assert.False(new ControlPlaneOptionsValidator().Validate(null, ControlPlaneOptions.FromEnvironment(Reader([]))).Failed);

        // A grace within the create deadline would settle creates still in flight.
        var tooShort = ControlPlaneOptions.FromEnvironment(Reader(new() { [WrennEnvironment.StartingGraceSec] = "60" }));
        var result = new ControlPlaneOptionsValidator().Validate(null, tooShort);

        Assert.True(result.Failed);
        Assert.Contains(WrennEnvironment.StartingGraceSec, result.FailureMessage, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ControlPlaneOptions.FromEnvironment(Reader(new() { [WrennEnvironment.StartingGraceSec] = "0" })));
    }

    [Fact]
    public void A_token_lifetime_shorter_than_two_heartbeats_fails_validation_naming_both()
    {
        var options = ControlPlaneOptions.FromEnvironment(Reader(new()
        {
            [WrennEnvironment.HeartbeatIntervalSec] = "60",
            [WrennEnvironment.HostTokenTtlSec] = "90",
        }));

        var result = new ControlPlaneOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(WrennEnvironment.HostTokenTtlSec, result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(WrennEnvironment.HeartbeatIntervalSec, result.FailureMessage, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(options.Validate);
    }

    private static SettingReader Reader(Dictionary<string, string> values) => new(name => values.GetValueOrDefault(name));
}
