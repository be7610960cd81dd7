using System.Diagnostics;
using Wrenn.Agent.Runtimes.Qemu;

namespace Wrenn.Agent.Tests.Runtimes.Qemu;

/// <summary>
/// The disk chain QEMU is handed open files for, read from real qcow2 files made with qemu-img. A
/// sandbox's disk is writable by its QEMU (which the guest may have taken over), so its header may
/// name any host file: that file must never be opened for QEMU, nor followed when the disk is copied
/// into a template.
/// </summary>
public sealed class QemuDiskChainTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("wrenn-qemu-chain-").FullName;

    [Fact]
    public void The_chain_of_a_template_disk_is_its_qcow2_layers_down_to_the_raw_image_each_on_its_own_fd()
    {
        var images = Directory.CreateDirectory(Path.Combine(_root, "images")).FullName;
        var templates = Directory.CreateDirectory(Path.Combine(_root, "templates")).FullName;
        var image = Path.Combine(images, "rootfs.ext4");
        File.WriteAllBytes(image, new byte[1024 * 1024]);
        var template = Path.Combine(templates, "disk.qcow2");
        QemuImg("create", "-q", "-f", "qcow2", "-b", image, "-F", "raw", template);
        var disk = Path.Combine(_root, "disk.qcow2");
        QemuImg("create", "-q", "-f", "qcow2", "-b", template, "-F", "qcow2", disk);

        var chain = QemuDiskChain.Read(disk, [images, templates]);

        Assert.Equal([(disk, "qcow2"), (template, "qcow2"), (image, "raw")], chain.Layers.Select(l => (l.Path, l.Format)));
        Assert.Equal(["10<>", "11<", "12<"], chain.Files().Select(f => f.Fd + f.Redirection));
        var blockdev = chain.Arguments().Last();
        Assert.Contains("\"filename\":\"/dev/fdset/12\"", blockdev, StringComparison.Ordinal);
        Assert.Contains("\"node-name\":\"root\"", blockdev, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/etc/shadow")]
    [InlineData("images/../../../etc/shadow")]
    public void A_disk_whose_header_names_a_host_file_is_refused_before_that_file_is_opened(string backing)
    {
        var images = Directory.CreateDirectory(Path.Combine(_root, "images")).FullName;
        var disk = Path.Combine(_root, "disk.qcow2");
        // -u: write the header only, as a QEMU that was taken over could.
        QemuImg("create", "-q", "-f", "qcow2", "-u", "-b", backing, "-F", "raw", disk, "64M");

        var refused = Assert.Throws<InvalidOperationException>(() => QemuDiskChain.Read(disk, [images]));
        Assert.Contains("refusing to open it", refused.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static void QemuImg(params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo("qemu-img", arguments) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"qemu-img {string.Join(' ', arguments)}: {error}");
    }
}
