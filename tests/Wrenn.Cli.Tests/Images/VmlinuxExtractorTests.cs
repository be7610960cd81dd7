using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using Wrenn.Cli.Images;

namespace Wrenn.Cli.Tests.Images;

/// <summary>Extracting the ELF kernel from bzImages made here (gzip and LZ4 payloads) and from the installed Debian kernel.</summary>
public sealed class VmlinuxExtractorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wrenn-vmlinux-test-").FullName;

    [Fact]
    public async Task A_gzip_payload_becomes_the_elf_it_holds()
    {
        var elf = FakeElf(machine: 0x3e);
        var image = BzImage(Gzip(elf));
        var output = Path.Combine(_dir, "vmlinux");

        Assert.Equal("gzip", await VmlinuxExtractor.ExtractAsync(image, output, TestContext.Current.CancellationToken));
        Assert.Equal(elf, await File.ReadAllBytesAsync(output, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task An_lz4_legacy_payload_with_its_size_trailer_is_extracted_as_Debian_packs_it()
    {
        var elf = FakeElf(machine: 0x3e);
        var raw = Path.Combine(_dir, "raw");
        await File.WriteAllBytesAsync(raw, elf, TestContext.Current.CancellationToken);
        Run("lz4", "-l", "-q", "-f", raw, raw + ".lz4");
        var payload = (await File.ReadAllBytesAsync(raw + ".lz4", TestContext.Current.CancellationToken)).Concat(BitConverter.GetBytes(elf.Length)).ToArray();
        var output = Path.Combine(_dir, "vmlinux");

        Assert.Equal("lz4", await VmlinuxExtractor.ExtractAsync(BzImage(payload), output, TestContext.Current.CancellationToken));
        Assert.Equal(elf, await File.ReadAllBytesAsync(output, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Not_a_bzImage_or_not_an_x86_64_kernel_is_refused_and_leaves_no_output()
    {
        var ct = TestContext.Current.CancellationToken;
        var plain = Path.Combine(_dir, "plain");
        await File.WriteAllBytesAsync(plain, new byte[4096], ct);
        var output = Path.Combine(_dir, "vmlinux");
        Assert.Contains("not a bzImage", (await Assert.ThrowsAsync<InvalidDataException>(() => VmlinuxExtractor.ExtractAsync(plain, output, ct))).Message, StringComparison.Ordinal);

        var arm = BzImage(Gzip(FakeElf(machine: 0xb7)));
        Assert.Contains("not an x86-64 ELF", (await Assert.ThrowsAsync<InvalidDataException>(() => VmlinuxExtractor.ExtractAsync(arm, output, ct))).Message, StringComparison.Ordinal);
        Assert.False(File.Exists(output));

        var unknown = BzImage([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4]);
        Assert.Contains("unknown compression", (await Assert.ThrowsAsync<InvalidDataException>(() => VmlinuxExtractor.ExtractAsync(unknown, output, ct))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_installed_Debian_cloud_kernel_yields_an_elf_vmlinux()
    {
        // make test installs it (make kernel) before this suite runs.
        var kernels = Path.Combine(Environment.GetEnvironmentVariable("WRENN_DIR") ?? "/var/lib/wrenn", "kernels");
        var installed = Directory.Exists(kernels) ? Directory.EnumerateFiles(kernels, "vmlinuz-*").FirstOrDefault() : null;
        Assert.SkipWhen(installed is null, $"no kernel in {kernels}: run make kernel");
        var output = Path.Combine(_dir, "vmlinux");

        await VmlinuxExtractor.ExtractAsync(installed!, output, TestContext.Current.CancellationToken);
        Assert.True(new FileInfo(output).Length > 4 * new FileInfo(installed!).Length / 2, "the ELF is larger than the compressed image");
    }

    private string BzImage(byte[] payload)
    {
        const int setupSectors = 4;
        const int payloadOffset = 0x100;
        var image = new byte[(setupSectors + 1) * 512 + payloadOffset + payload.Length];
        image[0x1f1] = setupSectors;
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x202), 0x53726448);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x206), 0x020f);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x248), payloadOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x24c), (uint)payload.Length);
        payload.CopyTo(image, (setupSectors + 1) * 512 + payloadOffset);
        var path = Path.Combine(_dir, "bzImage-" + Guid.NewGuid().ToString("N")[..6]);
        File.WriteAllBytes(path, image);
        return path;
    }

    private static byte[] FakeElf(ushort machine)
    {
        var elf = new byte[8192];
        "\u007fELF"u8.CopyTo(elf);
        elf[4] = 2;
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(18), machine);
        new Random(7).NextBytes(elf.AsSpan(64));
        return elf;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return buffer.ToArray();
    }

    private static void Run(string program, params string[] arguments)
    {
        using var process = Process.Start(program, arguments);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
