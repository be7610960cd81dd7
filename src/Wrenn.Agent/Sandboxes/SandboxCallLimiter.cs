using Microsoft.Extensions.Options;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// Counts exec and file calls in flight, per host and per team, and refuses one past either limit
/// at once (no queue: a queue would hold the memory and connections the limit is there to bound).
/// A sandbox whose team is not known (made by an older control plane) counts as a team of its own.
/// </summary>
public sealed class SandboxCallLimiter(IOptions<SandboxCallLimitOptions> options)
{
    public const string HostScope = "host";
    public const string TeamScope = "team";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _perTeam = new(StringComparer.Ordinal);
    private int _total;

    /// <summary>Takes a place for one call on <paramref name="sandbox"/>; dispose the lease when the call ends.</summary>
    public IDisposable Enter(Sandbox sandbox)
    {
        var team = sandbox.Spec.TeamId ?? "sandbox:" + sandbox.Id;
        lock (_gate)
        {
            if (_total >= options.Value.MaxCallsPerHost)
            {
                throw new TooManyCallsException(HostScope, options.Value.MaxCallsPerHost);
            }

            var ofTeam = _perTeam.GetValueOrDefault(team);
            if (ofTeam >= options.Value.MaxCallsPerTeam)
            {
                throw new TooManyCallsException(TeamScope, options.Value.MaxCallsPerTeam);
            }

            _perTeam[team] = ofTeam + 1;
            _total++;
        }

        return new CallLease(() => Leave(team));
    }

    private void Leave(string team)
    {
        lock (_gate)
        {
            _total--;
            if (--_perTeam[team] == 0)
            {
                _perTeam.Remove(team);
            }
        }
    }

}
