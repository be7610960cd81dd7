using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Configuration;
using Wrenn.Agent.Runtimes.Container;
using Wrenn.Agent.Runtimes.Firecracker;
using Wrenn.Agent.Runtimes.Firecracker.Api;
using Wrenn.Agent.Runtimes.Qemu;
using Wrenn.Common.Configuration;

namespace Wrenn.Agent.Tests.Configuration;

/// <summary>QEMU's and Firecracker's settings come from WRENN_* variables; a bad one stops the agent at start naming it.</summary>
public sealed class RuntimeEnvironmentSettingsTests
{
    [Fact]
    public void The_variables_set_the_runtimes_options()
    {
        using var services = Provider(new()
        {
            [RuntimeEnvironmentSettings.ConsoleLogBytes] = "262144",
            [RuntimeEnvironmentSettings.QemuBinary] = "/opt/qemu/bin/qemu-system-x86_64",
            [RuntimeEnvironmentSettings.QemuMemoryOverheadMb] = "512",
            [RuntimeEnvironmentSettings.QemuTcgCacheMb] = "64",
            [RuntimeEnvironmentSettings.FirecrackerBinary] = "/usr/local/bin/firecracker",
            [RuntimeEnvironmentSettings.FirecrackerLogLevel] = "debug",
            [RuntimeEnvironmentSettings.FirecrackerMetrics] = "on",
            [WrennEnvironment.EnvdSocket] = "off",
        });

        RuntimeEnvironmentSettings.ValidateNow(services);
        var qemu = services.GetRequiredService<IOptions<QemuRuntimeOptions>>().Value;
        var firecracker = services.GetRequiredService<IOptions<FirecrackerRuntimeOptions>>().Value;

        Assert.Equal(262144, services.GetRequiredService<IOptions<ContainerRuntimeOptions>>().Value.ConsoleLogBytes);
        Assert.Equal(262144, qemu.ConsoleLogBytes);
        Assert.Equal("/opt/qemu/bin/qemu-system-x86_64", qemu.Binary);
        Assert.Equal(512, qemu.MemoryOverheadMb);
        Assert.Equal(64, qemu.TcgTranslationCacheMb);
        Assert.Equal("/usr/local/bin/firecracker", firecracker.Binary);
        Assert.Equal(FirecrackerLogLevel.Debug, firecracker.LogLevel);
        Assert.True(firecracker.Metrics);
        Assert.False(services.GetRequiredService<IOptions<ContainerRuntimeOptions>>().Value.PassEnvdSocket);
    }

    [Fact]
    public void Unset_variables_keep_the_defaults()
    {
        using var services = Provider([]);
        RuntimeEnvironmentSettings.ValidateNow(services);

        Assert.Equal(new QemuRuntimeOptions().MemoryOverheadMb, services.GetRequiredService<IOptions<QemuRuntimeOptions>>().Value.MemoryOverheadMb);
        Assert.Null(services.GetRequiredService<IOptions<FirecrackerRuntimeOptions>>().Value.LogLevel);

        // envd's socket is passed unless turned off: the cold path's readiness without polling.
        Assert.True(services.GetRequiredService<IOptions<ContainerRuntimeOptions>>().Value.PassEnvdSocket);
    }

    [Theory]
    [InlineData("WRENN_CONSOLE_LOG_BYTES", "1k", "WRENN_CONSOLE_LOG_BYTES='1k': must be a whole number from 65536 to 1073741824")]
    [InlineData("WRENN_QEMU_MEMORY_OVERHEAD_MB", "10", "WRENN_QEMU_MEMORY_OVERHEAD_MB='10': must be a whole number from 64 to 65536")]
    [InlineData("WRENN_FIRECRACKER_LOG_LEVEL", "loud", "WRENN_FIRECRACKER_LOG_LEVEL='loud': must be one of error, warning, info, debug, trace, off")]
    [InlineData("WRENN_FIRECRACKER_METRICS", "maybe", "WRENN_FIRECRACKER_METRICS='maybe': must be on or off")]
    [InlineData("WRENN_ENVD_SOCKET", "Maybe", "WRENN_ENVD_SOCKET='Maybe': must be on or off")]
    public void A_bad_value_names_the_variable_and_what_is_allowed(string variable, string value, string message)
    {
        using var services = Provider(new() { [variable] = value });

        var ex = Assert.Throws<ArgumentException>(() => RuntimeEnvironmentSettings.ValidateNow(services));

        Assert.StartsWith(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_code_cache_bigger_than_half_the_headroom_is_refused_naming_both()
    {
        using var services = Provider(new()
        {
            [RuntimeEnvironmentSettings.QemuMemoryOverheadMb] = "256",
            [RuntimeEnvironmentSettings.QemuTcgCacheMb] = "200",
        });

        var ex = Assert.Throws<InvalidOperationException>(() => RuntimeEnvironmentSettings.ValidateNow(services));

        Assert.Contains("WRENN_QEMU_TCG_CACHE_MB (200) must be at most half of WRENN_QEMU_MEMORY_OVERHEAD_MB (256)", ex.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Provider(Dictionary<string, string> values) =>
        new ServiceCollection()
            .AddRuntimeEnvironmentSettings(new SettingReader(name => values.GetValueOrDefault(name)))
            .BuildServiceProvider();
}
