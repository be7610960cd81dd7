using Wrenn.Common.Configuration;

namespace Wrenn.Common.Doctor.Checks;

/// <summary>The addresses the daemons listen on: free, or held by Wrenn's own processes (a running platform).</summary>
public sealed class PortsCheck : IHostCheck
{
    public string Name => "ports";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        var ours = new List<string>();
        foreach (var port in settings.Ports)
        {
            if (!ListenAddress.TryParse(port.Address, out var address))
            {
                return Task.FromResult(HostCheckResult.Missing(Name, $"{port.Variable}={port.Address} is not an address", $"set {port.Variable} to :PORT, HOST:PORT or [IPV6]:PORT"));
            }

            if (address.Port == 0 || probe.IsPortFree(address))
            {
                continue;
            }

            var holder = probe.PortHolder(address.Port);
            if (holder is { IsWrenn: true })
            {
                ours.Add($"{address} by {holder}");
                continue;
            }

            return Task.FromResult(HostCheckResult.Missing(
                Name,
                holder is null ? $"{address} (the {port.Name}) is in use by a process this user cannot see" : $"{address} (the {port.Name}) is in use by {holder}",
                holder is null ? $"free it, or set {port.Variable} to another address" : $"stop {holder.Name} (kill {holder.Pid}), or set {port.Variable} to another address"));
        }

        var addresses = string.Join(", ", settings.Ports.Select(p => p.Address));
        return Task.FromResult(HostCheckResult.Ok(Name, ours.Count == 0 ? $"free: {addresses}" : $"free or held by Wrenn itself ({string.Join("; ", ours)})"));
    }
}
