using Wrenn.Cli.Processes;

namespace Wrenn.Cli.Images;

/// <summary>
/// `wrenn image kernel`: puts a guest kernel for the VM runtimes into $WRENN_DIR/kernels from Debian's
/// own packages — never installed into this host's /boot. Debian's cloud kernel builds its virtio
/// drivers as modules, so an initramfs is made beside it: busybox-static, those modules, and a small
/// /init that loads them, sets eth0 from the kernel command line and hands over to wrenn-init.
/// Firecracker boots only an uncompressed ELF, so <c>vmlinux-&lt;version&gt;</c> is extracted too.
/// </summary>
public sealed class KernelInstaller(TextWriter progress)
{
    public const string MetaPackage = "linux-image-cloud-amd64";

    /// <summary>The modules the guest needs before its root disk and network exist, in load order.</summary>
    private static readonly string[] Modules =
    [
        "drivers/virtio/virtio_ring.ko", "drivers/virtio/virtio.ko", "drivers/virtio/virtio_mmio.ko",
        "drivers/virtio/virtio_pci_modern_dev.ko", "drivers/virtio/virtio_pci_legacy_dev.ko", "drivers/virtio/virtio_pci.ko",
        "drivers/block/virtio_blk.ko", "net/core/failover.ko", "drivers/net/net_failover.ko", "drivers/net/virtio_net.ko",
        // The virtio-rng device (hw_random core is built in): host entropy for a guest restored from a shared snapshot.
        "drivers/char/hw_random/virtio-rng.ko",
    ];

    /// <summary>Installs the newest cloud kernel Debian offers; a no-op when it is already there. Returns its version.</summary>
    public async Task<string> InstallAsync(string kernelsDirectory, bool force, CancellationToken cancellationToken)
    {
        var package = await VersionedPackageAsync(cancellationToken).ConfigureAwait(false);
        var version = package["linux-image-".Length..];
        var kernel = Path.Combine(kernelsDirectory, "vmlinuz-" + version);
        var initrd = Path.Combine(kernelsDirectory, $"initrd-{version}.img");
        var vmlinux = Path.Combine(kernelsDirectory, "vmlinux-" + version);
        // The initramfs holds this build's /init and module list: a change to either means making it again.
        var initStamp = initrd + ".init-sha256";
        var init = EmbeddedFiles.LoadVmInitramfsInit();
        var initHash = InitramfsHash(init);
        var initCurrent = File.Exists(initStamp) && (await File.ReadAllTextAsync(initStamp, cancellationToken).ConfigureAwait(false)).Trim() == initHash;
        if (!force && File.Exists(kernel) && File.Exists(initrd) && initCurrent)
        {
            if (!File.Exists(vmlinux))
            {
                // Installed by a version of wrenn that did not extract it yet.
                await ExtractVmlinuxAsync(kernel, vmlinux, cancellationToken).ConfigureAwait(false);
            }

            progress.WriteLine($"Kernel {version} is already in {kernelsDirectory}; nothing to do");
            return version;
        }

        var work = Directory.CreateTempSubdirectory("wrenn-kernel-").FullName;
        try
        {
            progress.WriteLine($"[1/4] downloading {package} and busybox-static (Debian packages)");
            await RunAsync("/bin/sh", ["-c", "cd \"$0\" && apt-get download \"$1\" busybox-static", work, package], cancellationToken).ConfigureAwait(false);
            var extracted = Path.Combine(work, "x");
            foreach (var deb in Directory.EnumerateFiles(work, "*.deb"))
            {
                await RunAsync("dpkg-deb", ["-x", deb, extracted], cancellationToken).ConfigureAwait(false);
            }

            progress.WriteLine($"[2/4] making the initramfs ({Modules.Length} virtio modules, busybox, /init)");
            var root = Path.Combine(work, "initramfs");
            Directory.CreateDirectory(Path.Combine(root, "bin"));
            Directory.CreateDirectory(Path.Combine(root, "modules"));
            File.Copy(Path.Combine(extracted, "bin", "busybox"), Path.Combine(root, "bin", "busybox"));
            foreach (var module in Modules)
            {
                File.Copy(Path.Combine(extracted, "lib", "modules", version, "kernel", module), Path.Combine(root, "modules", Path.GetFileName(module)));
            }

            await File.WriteAllBytesAsync(Path.Combine(root, "init"), init, cancellationToken).ConfigureAwait(false);
            File.SetUnixFileMode(Path.Combine(root, "init"), (UnixFileMode)0b111_101_101);
            var builtInitrd = Path.Combine(work, "initrd.img");
            await RunAsync("/bin/sh", ["-c", "cd \"$0\" && find . | cpio -o -H newc --quiet | gzip -1 > \"$1\"", root, builtInitrd], cancellationToken).ConfigureAwait(false);

            progress.WriteLine($"[3/4] extracting the uncompressed kernel (vmlinux, for Firecracker)");
            Directory.CreateDirectory(kernelsDirectory);
            await ExtractVmlinuxAsync(Path.Combine(extracted, "boot", "vmlinuz-" + version), vmlinux, cancellationToken).ConfigureAwait(false);

            progress.WriteLine($"[4/4] installing into {kernelsDirectory}");
            // Initrd first, kernel last: the kernel's presence says the set is complete.
            // Readable by others: QEMU runs unprivileged and reads both through a descriptor as itself.
            const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            File.Copy(builtInitrd, initrd + ".tmp", overwrite: true);
            File.SetUnixFileMode(initrd + ".tmp", Readable);
            File.Move(initrd + ".tmp", initrd, overwrite: true);
            await File.WriteAllTextAsync(initStamp, initHash + "\n", cancellationToken).ConfigureAwait(false);
            File.Copy(Path.Combine(extracted, "boot", "vmlinuz-" + version), kernel + ".tmp", overwrite: true);
            File.SetUnixFileMode(kernel + ".tmp", Readable);
            File.Move(kernel + ".tmp", kernel, overwrite: true);
            progress.WriteLine($"Kernel {version} installed: {kernel} ({new FileInfo(kernel).Length / 1048576.0:F1} MB) and {initrd} ({new FileInfo(initrd).Length / 1048576.0:F1} MB)");
            return version;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>What the stamp beside the initramfs records: its /init and the modules it holds.</summary>
    private static string InitramfsHash(byte[] init) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([.. init, .. System.Text.Encoding.UTF8.GetBytes("\n" + string.Join('\n', Modules))]));

    private async Task ExtractVmlinuxAsync(string bzImage, string vmlinux, CancellationToken cancellationToken)
    {
        var format = await VmlinuxExtractor.ExtractAsync(bzImage, vmlinux + ".tmp", cancellationToken).ConfigureAwait(false);
        File.Move(vmlinux + ".tmp", vmlinux, overwrite: true);
        progress.WriteLine($"Extracted {vmlinux} ({format} payload, {new FileInfo(vmlinux).Length / 1048576.0:F1} MB)");
    }

    /// <summary>The versioned package the meta package points at, e.g. linux-image-6.1.0-56-cloud-amd64.</summary>
    private static async Task<string> VersionedPackageAsync(CancellationToken cancellationToken)
    {
        string? found = null;
        await StreamingProcess.RunCheckedAsync(
            "apt-cache",
            ["depends", MetaPackage],
            line =>
            {
                var trimmed = line.Trim();
                if (found is null && trimmed.StartsWith("Depends: linux-image-", StringComparison.Ordinal))
                {
                    found = trimmed["Depends: ".Length..];
                }
            },
            cancellationToken).ConfigureAwait(false);
        return found ?? throw new InvalidOperationException($"apt knows no kernel behind {MetaPackage}; is the Debian archive in apt's sources?");
    }

    private static Task RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        StreamingProcess.RunCheckedAsync(program, arguments, _ => { }, cancellationToken);
}
