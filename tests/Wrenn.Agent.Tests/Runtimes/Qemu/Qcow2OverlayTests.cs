using System.Diagnostics;
using System.Text.Json;
using Wrenn.Agent.Runtimes.Qemu;

namespace Wrenn.Agent.Tests.Runtimes.Qemu;

/// <summary>
/// The qcow2 overlay the agent writes itself for a create from a template, read by QEMU's own tools: a
/// valid image of the backing file's size on that backing file, which reads the backing file's data and
/// keeps what is written to it (clusters allocated, refcounts consistent) without touching the backing file.
/// </summary>
public sealed class Qcow2OverlayTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("wrenn-qcow2-overlay-").FullName;

    [Fact]
    public void An_overlay_on_a_template_disk_reads_it_and_keeps_its_own_writes()
    {
        var image = Path.Combine(_root, "rootfs.ext4");
        File.WriteAllBytes(image, new byte[3 * 1024 * 1024]);
        var template = Path.Combine(_root, "template.qcow2");
        Run("qemu-img", "create", "-q", "-f", "qcow2", "-b", image, "-F", "raw", template, "5G");
        Run("qemu-io", "-c", "write -P 0x5a 1M 64k", template);
        var overlay = Path.Combine(_root, "disk.qcow2");

        Qcow2Overlay.Create(overlay, template, "qcow2", Qcow2Overlay.VirtualSize(template));

        using (var info = JsonDocument.Parse(Run("qemu-img", "info", "--output=json", overlay)))
        {
            var root = info.RootElement;
            Assert.Equal("qcow2", root.GetProperty("format").GetString());
            Assert.Equal(5L * 1024 * 1024 * 1024, root.GetProperty("virtual-size").GetInt64());
            Assert.Equal(template, root.GetProperty("backing-filename").GetString());
            Assert.Equal("qcow2", root.GetProperty("backing-filename-format").GetString());
            Assert.Equal(65536, root.GetProperty("cluster-size").GetInt32());
        }

        Assert.Equal(template, Qcow2BackingFile.Read(overlay));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(overlay));
        Run("qemu-img", "check", "-q", overlay);
        Run("qemu-io", "-c", "read -P 0x5a 1M 64k", overlay);

        // Writes go to the overlay (new clusters, refcounts still consistent), not to the template's disk.
        Run("qemu-io", "-c", "write -P 0xa5 1M 64k", "-c", "write -P 0x33 4G 128k", overlay);
        Run("qemu-img", "check", "-q", overlay);
        Run("qemu-io", "-c", "read -P 0xa5 1M 64k", "-c", "read -P 0x33 4G 128k", overlay);
        Run("qemu-io", "-c", "read -P 0x5a 1M 64k", template);
    }

    [Fact]
    public void An_overlay_on_a_raw_file_is_as_large_as_asked()
    {
        var image = Path.Combine(_root, "rootfs.ext4");
        File.WriteAllBytes(image, new byte[1024 * 1024]);
        var overlay = Path.Combine(_root, "disk.qcow2");

        Qcow2Overlay.Create(overlay, image, "raw", 4096L * 1024 * 1024);

        Run("qemu-img", "check", "-q", overlay);
        using var info = JsonDocument.Parse(Run("qemu-img", "info", "--output=json", overlay));
        Assert.Equal(4096L * 1024 * 1024, info.RootElement.GetProperty("virtual-size").GetInt64());
        Assert.Equal("raw", info.RootElement.GetProperty("backing-filename-format").GetString());
        Assert.Throws<IOException>(() => Qcow2Overlay.Create(overlay, image, "raw", 4096L * 1024 * 1024));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)}: {output}{error}");
        // qemu-io reports a pattern mismatch on stdout and still exits 0.
        Assert.DoesNotContain("Pattern verification failed", output, StringComparison.Ordinal);
        return output;
    }
}
