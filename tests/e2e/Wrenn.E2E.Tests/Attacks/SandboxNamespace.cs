using System.Diagnostics;

namespace Wrenn.E2E.Tests.Attacks;

/// <summary>
/// The host's view of one sandbox's network: its namespace (found by the address on its eth0) and the
/// host end of its veth. Tests use it to look at the host side and to act as a sandbox that owns its
/// kernel (a VM guest) can: with every network capability inside that namespace.
/// </summary>
public sealed record SandboxNamespace(string Name, string HostVeth)
{
    /// <summary>Finds the namespace whose eth0 holds <paramref name="sandboxAddress"/>.</summary>
    public static SandboxNamespace Find(string sandboxAddress)
    {
        foreach (var line in Run("ip", "netns", "list").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            if (!name.StartsWith("wrenn-", StringComparison.Ordinal) || name.StartsWith("wrenn-inet-", StringComparison.Ordinal))
            {
                continue;
            }

            var addresses = TryRun("ip", "-n", name, "-4", "-o", "addr", "show", "dev", "eth0");
            if (addresses.Contains(" " + sandboxAddress + "/", StringComparison.Ordinal))
            {
                return new SandboxNamespace(name, name + "-h");
            }
        }

        throw new InvalidOperationException($"no sandbox namespace holds {sandboxAddress}");
    }

    /// <summary>Runs a command inside the namespace as host root; throws when it fails.</summary>
    public string Exec(params string[] command) => Run("ip", ["netns", "exec", Name, .. command]);

    /// <summary>
    /// The host end's IPv6 link-local address: the one it has, or (when it has none) the EUI-64 address
    /// an attacker in the sandbox would try, built from the MAC it sees as its gateway's.
    /// </summary>
    public string HostLinkLocalAddress()
    {
        foreach (var line in TryRun("ip", "-6", "-o", "addr", "show", "dev", HostVeth, "scope", "link").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var inet6 = Array.IndexOf(fields, "inet6");
            if (inet6 >= 0)
            {
                return fields[inet6 + 1].Split('/')[0];
            }
        }

        var mac = File.ReadAllText($"/sys/class/net/{HostVeth}/address").Trim().Split(':').Select(b => Convert.ToByte(b, 16)).ToArray();
        byte[] eui = [(byte)(mac[0] ^ 0x02), mac[1], mac[2], 0xff, 0xfe, mac[3], mac[4], mac[5]];
        return "fe80::" + string.Join(':', Enumerable.Range(0, 4).Select(i => ((eui[2 * i] << 8) | eui[(2 * i) + 1]).ToString("x", System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static string Run(string program, params string[] arguments)
    {
        var (code, output, error) = Execute(program, arguments);
        return code == 0 ? output : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({code}): {error}");
    }

    private static string TryRun(string program, params string[] arguments) => Execute(program, arguments).Output;

    private static (int Code, string Output, string Error) Execute(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
