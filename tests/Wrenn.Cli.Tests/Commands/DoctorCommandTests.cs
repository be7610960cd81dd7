using Wrenn.Cli.Commands;
using Wrenn.Common.Doctor;

namespace Wrenn.Cli.Tests.Commands;

/// <summary>What `wrenn doctor` prints and its exit status: a row per check, the fixes under the table, 1 when something required is missing.</summary>
public sealed class DoctorCommandTests
{
    private static readonly DoctorSettings Settings = new("/var/lib/wrenn", "container", "container", null, "auto", "auto", [], null);

    [Fact]
    public async Task A_missing_requirement_exits_1_and_prints_its_fix_under_the_table()
    {
        var doctor = new HostDoctor(
            [
                new Fixed(HostCheckResult.Ok("iproute2", "ip at /usr/sbin/ip")),
                new Fixed(HostCheckResult.Missing("oci runtime", "runc is not installed", "apt-get install runc")),
                new Fixed(HostCheckResult.Warning("lxcfs", "not installed", "apt-get install lxcfs")),
            ],
            new HostProbe());
        using var output = new StringWriter();

        var exit = await DoctorCommand.RunAsync(doctor, Settings, output, TestContext.Current.CancellationToken);

        var text = output.ToString();
        Assert.Equal(1, exit);
        Assert.Matches(@"(?m)^oci runtime\s+MISSING\s+runc is not installed$", text);
        Assert.Matches(@"(?m)^iproute2\s+ok\s+ip at /usr/sbin/ip$", text);
        Assert.Contains("  oci runtime (MISSING): apt-get install runc", text, StringComparison.Ordinal);
        Assert.Contains("  lxcfs (warning): apt-get install lxcfs", text, StringComparison.Ordinal);
        Assert.Contains("1 required thing is missing", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Warnings_alone_exit_0()
    {
        var doctor = new HostDoctor([new Fixed(HostCheckResult.Warning("kvm", "no /dev/kvm", "modprobe kvm_intel"))], new HostProbe());
        using var output = new StringWriter();

        Assert.Equal(0, await DoctorCommand.RunAsync(doctor, Settings, output, TestContext.Current.CancellationToken));
        Assert.Contains("Everything Wrenn needs is here.", output.ToString(), StringComparison.Ordinal);
    }

    private sealed class Fixed(HostCheckResult result) : IHostCheck
    {
        public string Name => result.Check;

        public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken) => Task.FromResult(result);
    }
}
