using Wrenn.Envd.Http;

namespace Wrenn.Envd.Tests.Http;

/// <summary>
/// What a VM's envd writes when /init names its guest, against a directory of the test's (the real
/// files are the host's here): the kernel's name, /etc/hostname and /etc/hosts as a container has them.
/// </summary>
public sealed class GuestNameTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("wrenn-guest-name-").FullName;

    public GuestNameTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "etc"));
        File.WriteAllText(Path.Combine(_root, "kernel-hostname"), "template-vm");
        File.WriteAllText(Path.Combine(_root, "etc", "hosts"), "127.0.1.1\ttemplate-vm\n");
    }

    private string KernelFile => Path.Combine(_root, "kernel-hostname");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_kernel_hostname_and_hosts_all_get_the_new_name()
    {
        new GuestName(_root, KernelFile).Apply("sb-0123456789abcdef");

        Assert.Equal("sb-0123456789abcdef", File.ReadAllText(KernelFile));
        Assert.Equal("sb-0123456789abcdef\n", File.ReadAllText(Path.Combine(_root, "etc", "hostname")));
        var hosts = File.ReadAllText(Path.Combine(_root, "etc", "hosts"));
        Assert.Equal("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\tsb-0123456789abcdef\n", hosts);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-leading")]
    [InlineData("trailing-")]
    [InlineData("under_score")]
    [InlineData("two words")]
    [InlineData("line\nbreak")]
    [InlineData("a..b")]
    [InlineData("../etc")]
    public void What_is_not_a_hostname_is_refused_and_nothing_is_written(string hostname)
    {
        Assert.False(GuestName.IsValid(hostname));
        Assert.Throws<ArgumentException>(() => new GuestName(_root, KernelFile).Apply(hostname));
        Assert.Equal("template-vm", File.ReadAllText(KernelFile));
        Assert.False(File.Exists(Path.Combine(_root, "etc", "hostname")));
    }

    [Fact]
    public void A_name_longer_than_the_kernel_takes_is_refused()
    {
        Assert.True(GuestName.IsValid(new string('a', GuestName.MaxLength)));
        Assert.False(GuestName.IsValid(new string('a', GuestName.MaxLength + 1)));
    }
}
