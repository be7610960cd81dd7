using Wrenn.Envd.Process;

namespace Wrenn.Envd.Tests.Process;

public sealed class ProcessExitTests
{
    [Fact]
    public void A_normal_exit_reports_its_code_as_go_prints_it() =>
        Assert.Equal(new ProcessExit(3, true, "exit status 3"), ProcessExit.FromExitCode(3, null));

    [Fact]
    public void A_signal_envd_sent_is_reported_as_a_signal() =>
        Assert.Equal(new ProcessExit(-1, false, "signal: killed"), ProcessExit.FromExitCode(137, 9));

    [Fact]
    public void Exit_code_137_without_a_signal_from_envd_is_just_an_exit_code() =>
        Assert.Equal(new ProcessExit(137, true, "exit status 137"), ProcessExit.FromExitCode(137, null));
}
