namespace Wrenn.Common.Doctor;

/// <summary>
/// Whether the running kernel has a feature that may be built in or a module: loaded (/sys/module),
/// listed with the kernel's modules (modules.builtin, modules.dep), or set in its config (/boot/config-*).
/// </summary>
public static class KernelFeature
{
    /// <summary>True when present, false when the module lists or the config say it is absent, null when nothing tells.</summary>
    public static bool? Has(IHostProbe probe, string module, string configOption)
    {
        if (probe.Exists($"/sys/module/{module}"))
        {
            return true;
        }

        bool? known = null;
        var release = probe.KernelRelease;
        foreach (var list in new[] { $"/lib/modules/{release}/modules.builtin", $"/lib/modules/{release}/modules.dep" })
        {
            if (probe.ReadText(list) is { } text)
            {
                if (text.Contains($"/{module}.ko", StringComparison.Ordinal))
                {
                    return true;
                }

                known = false;
            }
        }

        if (probe.ReadText($"/boot/config-{release}") is { } config)
        {
            return config.Contains($"\n{configOption}=y", StringComparison.Ordinal) || config.Contains($"\n{configOption}=m", StringComparison.Ordinal);
        }

        return known;
    }
}
