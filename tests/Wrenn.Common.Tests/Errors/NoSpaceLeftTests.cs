using Wrenn.Common.Errors;

namespace Wrenn.Common.Tests.Errors;

/// <summary>A full disk is told apart from other I/O failures, as the kernel reports it and as tools print it.</summary>
public sealed class NoSpaceLeftTests
{
    [Fact]
    public void A_write_the_kernel_refuses_for_lack_of_space_is_recognised()
    {
        // /dev/full answers every write with ENOSPC, as a full filesystem does.
        var refused = Assert.ThrowsAny<IOException>(() =>
        {
            using var full = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            full.Write(new byte[4096]);
        });

        Assert.True(NoSpaceLeft.IsErrno(refused), $"{refused.GetType().Name} HResult {refused.HResult}: {refused.Message}");
        Assert.True(NoSpaceLeft.Says(refused.Message), refused.Message);
    }

    [Fact]
    public void Other_io_failures_are_not_a_full_disk()
    {
        var missing = Assert.ThrowsAny<IOException>(() => File.ReadAllBytes(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "absent")));

        Assert.False(NoSpaceLeft.IsErrno(missing));
        Assert.False(NoSpaceLeft.IsErrno(new IOException("disk quota exceeded", 122)));
        Assert.False(NoSpaceLeft.IsErrno(new InvalidOperationException("No space left on device")));
        Assert.False(NoSpaceLeft.Says(missing.Message));
    }

    [Theory]
    [InlineData("cp: error writing '/var/lib/wrenn/templates/t/rootfs.img': No space left on device", true)]
    [InlineData("mke2fs: no space left on device while writing out and closing file system", true)]
    [InlineData("write /run/wrenn/x: ENOSPC", true)]
    [InlineData("tar: ./usr/lib/x: Cannot write: Input/output error", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Tools_saying_so_are_recognised(string? output, bool full) => Assert.Equal(full, NoSpaceLeft.Says(output));
}
