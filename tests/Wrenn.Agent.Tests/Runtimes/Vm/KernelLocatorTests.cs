using Wrenn.Agent.Runtimes.Vm;

namespace Wrenn.Agent.Tests.Runtimes.Vm;

public sealed class KernelLocatorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wrenn-kernels-test-").FullName;

    [Fact]
    public void The_highest_version_of_the_kind_asked_for_wins_with_its_initrd()
    {
        foreach (var name in new[] { "vmlinuz-6.1.0-9-cloud-amd64", "vmlinuz-6.1.0-56-cloud-amd64", "vmlinux-6.1.0-56-cloud-amd64", "vmlinux-5.10.0-1", "initrd-6.1.0-56-cloud-amd64.img" })
        {
            File.WriteAllText(Path.Combine(_dir, name), name);
        }

        var compressed = KernelLocator.Find(_dir);
        Assert.Equal(("6.1.0-56-cloud-amd64", Path.Combine(_dir, "vmlinuz-6.1.0-56-cloud-amd64"), Path.Combine(_dir, "initrd-6.1.0-56-cloud-amd64.img")), (compressed.Version, compressed.KernelPath, compressed.InitrdPath));
        var elf = KernelLocator.Find(_dir, KernelLocator.Uncompressed);
        Assert.Equal(Path.Combine(_dir, "vmlinux-6.1.0-56-cloud-amd64"), elf.KernelPath);
    }

    [Fact]
    public void A_plain_file_is_the_fallback_and_nothing_is_a_clear_error()
    {
        Assert.Contains("wrenn image kernel", Assert.Throws<KernelNotFoundException>(() => KernelLocator.Find(_dir, KernelLocator.Uncompressed)).Message, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_dir, "vmlinux"), "x");
        Assert.Equal(("unknown", Path.Combine(_dir, "vmlinux")), (KernelLocator.Find(_dir, KernelLocator.Uncompressed).Version, KernelLocator.Find(_dir, KernelLocator.Uncompressed).KernelPath));
        Assert.Throws<KernelNotFoundException>(() => KernelLocator.Find(_dir));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
