namespace Wrenn.Common.Doctor.Checks;

/// <summary>ip (iproute2): namespaces, veth pairs and addresses are made with it.</summary>
public sealed class IprouteCheck : IHostCheck
{
    public string Name => "iproute2";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken) =>
        Task.FromResult(probe.FindProgram("ip") is { } path
            ? HostCheckResult.Ok(Name, $"ip at {path}")
            : HostCheckResult.Missing(Name, "ip is not installed (sandbox networks are made with it)", "apt-get install iproute2"));
}
