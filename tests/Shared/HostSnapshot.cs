// Shared by test projects (and the benchmarks) through a linked <Compile> item.
using System.Diagnostics;

namespace Wrenn.Tests.Shared;

/// <summary>
/// What Wrenn-made resources exist on this machine right now: network namespaces, links, mounts, runc and crun
/// containers, cgroups, iptables and ip6tables rules and loop devices. Tests compare a snapshot before and after, so that only what they caused counts.
/// </summary>
public sealed record HostSnapshot(
    IReadOnlySet<string> Namespaces,
    IReadOnlySet<string> Links,
    IReadOnlySet<string> Mounts,
    IReadOnlySet<string> Containers,
    IReadOnlySet<string> Cgroups,
    IReadOnlySet<string> FirewallRules,
    IReadOnlySet<string> LoopDevices)
{
    public static HostSnapshot Take() => new(
        Lines("ip", "netns", "list").Select(l => l.Split(' ')[0]).Where(n => n.Contains("wrenn", StringComparison.OrdinalIgnoreCase)).ToHashSet(),
        Lines("ip", "-o", "link", "show").Select(l => l.Split(": ")[1].Split('@')[0]).Where(n => n.Contains("wrenn", StringComparison.OrdinalIgnoreCase)).ToHashSet(),
        File.ReadLines("/proc/mounts").Select(l => l.Split(' ')[1]).Where(m => m.Contains("wrenn", StringComparison.OrdinalIgnoreCase)).ToHashSet(),
        Lines("runc", "list", "-q").Concat(Installed("crun") ? Lines("crun", "list", "-q") : []).ToHashSet(),
        Directory.EnumerateDirectories("/sys/fs/cgroup")
            .SelectMany(controller => Directory.EnumerateDirectories(controller, "wrenn*").SelectMany(Directory.EnumerateDirectories))
            .ToHashSet(),
        Lines("iptables-save").Concat(Lines("iptables-save", "-t", "nat")).Concat(Lines("ip6tables-save")).Where(l => (l.StartsWith(':') || l.StartsWith("-A ", StringComparison.Ordinal)) && l.Contains("wrenn", StringComparison.OrdinalIgnoreCase)).ToHashSet(),
        Lines("losetup", "-a").Where(l => l.Contains("wrenn", StringComparison.OrdinalIgnoreCase)).ToHashSet());

    /// <summary>What exists now that did not exist in <paramref name="before"/>; empty when nothing leaked.</summary>
    public IReadOnlyList<string> NewSince(HostSnapshot before) =>
    [
        .. Namespaces.Except(before.Namespaces).Select(n => "netns " + n),
        .. Links.Except(before.Links).Select(n => "link " + n),
        .. Mounts.Except(before.Mounts).Select(n => "mount " + n),
        .. Containers.Except(before.Containers).Select(n => "OCI container " + n),
        .. Cgroups.Except(before.Cgroups).Select(n => "cgroup " + n),
        .. FirewallRules.Except(before.FirewallRules).Select(n => "iptables " + n),
        .. LoopDevices.Except(before.LoopDevices).Select(n => "loop device " + n),
    ];

    /// <summary>
    /// <see cref="NewSince(HostSnapshot)"/> less what a running agent keeps made ahead for the next creates, which
    /// belongs to the platform, not to the sandbox that came and went: the network slots (marked in
    /// <c>$WRENN_DIR/prepared/slots/N</c>) and the sandbox disks waiting mounted in <c>$WRENN_DIR/prepared/disks/</c>
    /// (their mounts and loop devices name that path; a disk a sandbox took names the sandbox's directory). After a
    /// create took one, the agent makes another, at a moment of its own. Every slot the agent holds has a marker, so
    /// call this once the test's sandboxes are gone (a destroy that could not remove its slot fails on its own).
    /// </summary>
    public IReadOnlyList<string> NewSince(HostSnapshot before, string wrennDir)
    {
        var markers = Path.Combine(wrennDir, "prepared", "slots");
        var prepared = Directory.Exists(markers)
            ? Directory.EnumerateFiles(markers).Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit)).ToList()
            : [];
        var preparedDisks = Path.Combine(wrennDir, "prepared", "disks") + "/";
        return [.. NewSince(before).Where(entry =>
            !entry.Contains(preparedDisks, StringComparison.Ordinal)
            && !prepared.Any(index => System.Text.RegularExpressions.Regex.IsMatch(entry, $"wrenn-{index}(?![0-9])", System.Text.RegularExpressions.RegexOptions.IgnoreCase)))];
    }

    private static bool Installed(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries).Any(directory => File.Exists(Path.Combine(directory, program)));

    private static List<string> Lines(string program, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }
}
