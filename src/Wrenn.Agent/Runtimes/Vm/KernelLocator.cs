namespace Wrenn.Agent.Runtimes.Vm;

/// <summary>
/// Finds the guest kernel in $WRENN_DIR/kernels: <c>vmlinuz-&lt;version&gt;</c> (or <c>vmlinux-</c>)
/// with the highest version wins, a plain <c>vmlinuz</c>/<c>vmlinux</c> is the fallback, and
/// <c>initrd-&lt;version&gt;.img</c> beside it is used when present. `wrenn image kernel` installs them.
/// </summary>
public static class KernelLocator
{
    public static VmKernel Find(string kernelsDirectory)
    {
        if (!Directory.Exists(kernelsDirectory))
        {
            throw new KernelNotFoundException($"no guest kernel: {kernelsDirectory} does not exist; run 'wrenn image kernel'");
        }

        var versioned = Directory.EnumerateFiles(kernelsDirectory)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => name.StartsWith("vmlinuz-", StringComparison.Ordinal) || name.StartsWith("vmlinux-", StringComparison.Ordinal))
            .Select(name => (Name: name, Version: name[8..]))
            .OrderByDescending(k => k.Version, KernelVersionComparer.Instance)
            .FirstOrDefault();
        if (versioned.Name is not null)
        {
            var initrd = Path.Combine(kernelsDirectory, $"initrd-{versioned.Version}.img");
            return new VmKernel(versioned.Version, Path.Combine(kernelsDirectory, versioned.Name), File.Exists(initrd) ? initrd : null);
        }

        foreach (var plain in new[] { "vmlinuz", "vmlinux" })
        {
            var path = Path.Combine(kernelsDirectory, plain);
            if (File.Exists(path))
            {
                var initrd = Path.Combine(kernelsDirectory, "initrd.img");
                return new VmKernel("unknown", path, File.Exists(initrd) ? initrd : null);
            }
        }

        throw new KernelNotFoundException($"no guest kernel in {kernelsDirectory}; run 'wrenn image kernel'");
    }
}
