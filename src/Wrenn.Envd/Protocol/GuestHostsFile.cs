namespace Wrenn.Envd.Protocol;

/// <summary>
/// The /etc/hosts a sandbox has: its own name on 127.0.1.1 beside localhost. A VM's envd writes it when
/// /init names the guest (GuestName); the host agent writes it into a container claimed from the warm pool
/// and through a shell in a VM whose envd is older than that (GuestSetup). One text, so both kinds of
/// sandbox read alike: this file is compiled into envd and, linked, into the agent (envd references
/// nothing of ours, to stay small under NativeAOT).
/// </summary>
internal static class GuestHostsFile
{
    public static string For(string hostname) =>
        $"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t{hostname}\n";
}
