using System.Diagnostics;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Tests.Os;

/// <summary>Naming another process's UTS namespace from inside the agent (how a warm pool claim renames its container).</summary>
public sealed class UtsHostnameTests
{
    [Fact]
    public async Task The_namespace_gets_the_name_and_the_agents_own_hostname_stays()
    {
        var ct = TestContext.Current.CancellationToken;
        var ours = File.ReadAllText("/proc/sys/kernel/hostname");
        using var holder = Process.Start("unshare", ["--uts", "--", "sleep", "60"]);
        try
        {
            // unshare execs sleep once the namespace is made: until then the pid is in ours.
            var own = new FileInfo("/proc/self/ns/uts").LinkTarget;
            while (new FileInfo($"/proc/{holder.Id}/ns/uts").LinkTarget == own)
            {
                await Task.Delay(10, ct);
            }

            UtsHostname.Set(holder.Id, "sb-0123456789abcdef");

            Assert.Equal("sb-0123456789abcdef", await HostnameInAsync(holder.Id, ct));
            Assert.Equal(ours, File.ReadAllText("/proc/sys/kernel/hostname"));
            Assert.Equal(ours.Trim(), await HostnameInAsync(Environment.ProcessId, ct));
        }
        finally
        {
            holder.Kill();
            await holder.WaitForExitAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void A_process_that_is_gone_fails_with_its_pid()
    {
        var error = Assert.Throws<IOException>(() => UtsHostname.Set(int.MaxValue, "sb-0123456789abcdef"));
        Assert.Contains(int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("a\nb")]
    public void What_is_not_a_hostname_is_refused_before_anything_is_touched(string name) =>
        Assert.Throws<ArgumentException>(() => UtsHostname.Set(Environment.ProcessId, name));

    private static async Task<string> HostnameInAsync(int pid, CancellationToken ct)
    {
        using var nsenter = Process.Start(new ProcessStartInfo("nsenter", ["--target", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--uts", "hostname"]) { RedirectStandardOutput = true })!;
        var output = await nsenter.StandardOutput.ReadToEndAsync(ct);
        await nsenter.WaitForExitAsync(ct);
        return output.Trim();
    }
}
