namespace Wrenn.Agent.Runtimes.Vm;

/// <summary>A guest kernel (and the initramfs that loads its virtio modules, when it needs one).</summary>
public sealed record VmKernel(string Version, string KernelPath, string? InitrdPath)
{
    /// <summary>
    /// Names this kernel for snapshot keys: path, version and the files' times (`wrenn image kernel`
    /// may remake the initramfs, with a new /init, under the same names).
    /// </summary>
    public string Identity() =>
        string.Join('|', KernelPath, Version, string.Join(',', new[] { KernelPath, InitrdPath }.OfType<string>().Select(f => File.GetLastWriteTimeUtc(f).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture))));
}
