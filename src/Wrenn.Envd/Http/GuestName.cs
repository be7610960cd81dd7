using System.Text.RegularExpressions;
using Wrenn.Envd.Protocol;

namespace Wrenn.Envd.Http;

/// <summary>
/// Names a VM guest at /init: the kernel's hostname, /etc/hostname and /etc/hosts, as a container
/// sandbox has them (its id). A VM restored from a template's memory wakes with the template's name;
/// doing it here spares the host a process started in the guest for it (hundreds of milliseconds under
/// software emulation). Only a VM's envd names its guest: a container's hostname is its UTS namespace's,
/// which the host agent sets.
/// </summary>
public sealed partial class GuestName(string root = "/", string kernelHostnameFile = "/proc/sys/kernel/hostname")
{
    /// <summary>The longest hostname the kernel takes (HOST_NAME_MAX).</summary>
    public const int MaxLength = 64;

    /// <summary>RFC 1123 labels joined by dots: nothing a file or a shell could read another way.</summary>
    public static bool IsValid(string hostname) => hostname.Length <= MaxLength && Label().IsMatch(hostname);

    /// <summary>Sets all three; throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> on a refusal.</summary>
    public void Apply(string hostname)
    {
        if (!IsValid(hostname))
        {
            throw new ArgumentException($"'{hostname}' is not a hostname", nameof(hostname));
        }

        File.WriteAllText(kernelHostnameFile, hostname);
        File.WriteAllText(Path.Combine(root, "etc", "hostname"), hostname + "\n");
        File.WriteAllText(Path.Combine(root, "etc", "hosts"), GuestHostsFile.For(hostname));
    }

    [GeneratedRegex(@"^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Label();
}
