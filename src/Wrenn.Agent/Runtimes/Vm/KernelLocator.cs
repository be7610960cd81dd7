namespace Wrenn.Agent.Runtimes.Vm;

/// <summary>
/// Finds the guest kernel in $WRENN_DIR/kernels: of the kind asked for (<c>vmlinuz</c>, the packaged
/// compressed image QEMU boots, or <c>vmlinux</c>, the uncompressed ELF Firecracker needs), the
/// <c>&lt;kind&gt;-&lt;version&gt;</c> with the highest version wins, a plain <c>&lt;kind&gt;</c> is the
/// fallback, and <c>initrd-&lt;version&gt;.img</c> beside it is used when present. `wrenn image kernel`
/// installs both kinds.
/// </summary>
public static class KernelLocator
{
    public const string Compressed = "vmlinuz";
    public const string Uncompressed = "vmlinux";

    public static VmKernel Find(string kernelsDirectory, string kind = Compressed)
    {
        if (!Directory.Exists(kernelsDirectory))
        {
            throw new KernelNotFoundException($"no guest kernel: {kernelsDirectory} does not exist; run 'wrenn image kernel'");
        }

        var versioned = Directory.EnumerateFiles(kernelsDirectory)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => name.StartsWith(kind + "-", StringComparison.Ordinal))
            .Select(name => (Name: name, Version: name[(kind.Length + 1)..]))
            .OrderByDescending(k => k.Version, KernelVersionComparer.Instance)
            .FirstOrDefault();
        if (versioned.Name is not null)
        {
            var initrd = Path.Combine(kernelsDirectory, $"initrd-{versioned.Version}.img");
            return new VmKernel(versioned.Version, Path.Combine(kernelsDirectory, versioned.Name), File.Exists(initrd) ? initrd : null);
        }

        var plain = Path.Combine(kernelsDirectory, kind);
        if (File.Exists(plain))
        {
            var initrd = Path.Combine(kernelsDirectory, "initrd.img");
            return new VmKernel("unknown", plain, File.Exists(initrd) ? initrd : null);
        }

        throw new KernelNotFoundException($"no guest kernel ({kind}) in {kernelsDirectory}; run 'wrenn image kernel'");
    }
}
