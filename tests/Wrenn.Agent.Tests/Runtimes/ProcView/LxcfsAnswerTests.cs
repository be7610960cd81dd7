using Wrenn.Agent.Runtimes.ProcView;

namespace Wrenn.Agent.Tests.Runtimes.ProcView;

/// <summary>
/// Whether lxcfs answers is a read of its /proc/uptime, whose reported size can be larger than what a read returns.
/// File.ReadAllBytes threw on such a file, so a live lxcfs looked dead; sysfs files (size 4096, a line of text)
/// are such files on every Linux host.
/// </summary>
public sealed class LxcfsAnswerTests
{
    private const string LargerThanItsText = "/sys/kernel/mm/transparent_hugepage/enabled";

    [Fact]
    public void A_file_whose_size_says_more_than_a_read_returns_answers()
    {
        Assert.SkipUnless(File.Exists(LargerThanItsText), $"{LargerThanItsText} is not on this host");
        Assert.True(new FileInfo(LargerThanItsText).Length > File.ReadAllText(LargerThanItsText).Length, "the file is not one whose size says more than it holds");
        Assert.True(LxcfsMount.Answers(LargerThanItsText));
    }

    [Fact]
    public void A_missing_file_does_not_answer()
    {
        Assert.False(LxcfsMount.Answers(Path.Combine(Path.GetTempPath(), $"wrenn-no-such-{Guid.NewGuid():N}")));
    }
}
