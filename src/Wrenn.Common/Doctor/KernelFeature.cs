namespace Wrenn.Common.Doctor;

/// <summary>
/// Whether the running kernel has a feature that may be built in or a module: loaded (/sys/module),
/// listed with the kernel's modules (modules.builtin, modules.dep), set in its config (/boot/config-*),
/// or, for a kernel built without modules and shipped without either list, its functions in /proc/kallsyms.
/// </summary>
public static class KernelFeature
{
    /// <summary>True when present, false when the module lists or the config say it is absent, null when nothing tells.</summary>
    /// <param name="probe">The host.</param>
    /// <param name="module">The module's name ("veth").</param>
    /// <param name="configOption">The kernel config option that builds it ("CONFIG_VETH").</param>
    /// <param name="symbolPrefix">A prefix its functions have in /proc/kallsyms ("veth_"), the last resort.</param>
    public static bool? Has(IHostProbe probe, string module, string configOption, string symbolPrefix)
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

        if (known is null && probe.ReadText("/proc/kallsyms") is { Length: > 0 } symbols)
        {
            // "ffffffff81dfc9d0 t veth_get_link_ksettings": a built-in driver's functions are listed.
            return symbols.Contains($" {symbolPrefix}", StringComparison.Ordinal) ? true : null;
        }

        return known;
    }
}
