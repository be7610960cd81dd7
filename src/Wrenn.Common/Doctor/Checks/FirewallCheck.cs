namespace Wrenn.Common.Doctor.Checks;

/// <summary>iptables: each sandbox's egress rules, NAT and the IPv6 wall are iptables and ip6tables chains.</summary>
public sealed class FirewallCheck : IHostCheck
{
    /// <summary>The programs the agent runs, all in Debian's iptables package.</summary>
    public static readonly string[] Programs = ["iptables", "iptables-restore", "iptables-save", "ip6tables", "ip6tables-save"];

    public string Name => "iptables";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        var missing = Programs.Where(p => probe.FindProgram(p) is null).ToList();
        if (missing.Count > 0)
        {
            return Task.FromResult(HostCheckResult.Missing(Name, $"{string.Join(", ", missing)} not installed (sandbox network rules need them)", "apt-get install iptables"));
        }

        // Debian's iptables is the nftables backend unless switched; both work, the detail says which.
        var backend = probe.FindProgram("nft") is not null ? "; nft installed" : string.Empty;
        return Task.FromResult(HostCheckResult.Ok(Name, $"iptables at {probe.FindProgram("iptables")}{backend}"));
    }
}
