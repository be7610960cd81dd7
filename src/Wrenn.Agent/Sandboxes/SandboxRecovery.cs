using Microsoft.Extensions.Options;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Storage;
using Wrenn.Agent.Telemetry;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// At start, goes through what earlier runs of the agent left in $WRENN_DIR/sandboxes: a sandbox
/// that still exists (running or paused) and whose envd answers is adopted as it is (same id,
/// address and processes); anything else (a container that died, a half-made sandbox, a record
/// without an envd token, a sandbox that was still waiting in the warm pool) is removed, with its
/// network, rules, mounts and directory.
/// </summary>
public sealed class SandboxRecovery(
    IRuntime runtime,
    ISandboxNetwork network,
    ISandboxEnvd envd,
    SandboxTable table,
    SandboxRecordStore records,
    SandboxTeardown teardown,
    IOptions<AgentOptions> agentOptions,
    ILogger<SandboxRecovery> logger)
{
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var root = agentOptions.Value.SandboxesDir;
        var known = table.List().Select(s => s.Directory).ToHashSet(StringComparer.Ordinal);
        foreach (var directory in Directory.Exists(root) ? Directory.EnumerateDirectories(root) : [])
        {
            if (known.Contains(directory))
            {
                continue;
            }

            var name = Path.GetFileName(directory);
            var record = await records.ReadAsync(directory, cancellationToken).ConfigureAwait(false);

            // A claimed pool sandbox keeps the pool's directory name; its record holds its public id.
            var id = record?.SandboxId is { Length: > 0 } recorded ? recorded : name;
            using var scope = logger.BeginSandboxScope(id);
            var sandbox = new Sandbox(
                new CreateSandboxSpec(id, record?.Template ?? string.Empty, record?.Vcpus ?? 1, record?.MemoryMb ?? 0, record?.TimeoutSec ?? 0, record?.Environment ?? new Dictionary<string, string>(), record?.TeamId),
                directory);
            if (record?.SlotIndex is { } slotIndex)
            {
                sandbox.Slot = network.Reserve(slotIndex);
            }

            sandbox.Runtime = new RuntimeSandbox(
                sandbox.RuntimeId,
                directory,
                OverlayRootfs.MountPoint(directory),
                sandbox.Slot is { } slot ? SandboxStarter.NetworkOf(slot, []) : RuntimeNetwork.Detached,
                sandbox.Spec.Vcpus,
                sandbox.Spec.MemoryMb,
                sandbox.Spec.Environment);

            // A pooled one is never adopted: the new run's pool starts empty and refills with what is current.
            if (record is { EnvdAccessToken: { } token, Pooled: false } && record.Runtime == runtime.Name && !table.Contains(id)
                && await TryAdoptAsync(sandbox, record, token, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            var errors = await teardown.TearDownAsync(sandbox, cancellationToken).ConfigureAwait(false);
            if (errors.Count == 0)
            {
                logger.LeftoverSandboxRemoved(id, record?.Pooled == true ? "it was in the warm pool" : "it was not running any more");
            }
            else
            {
                logger.LeftoverSandboxRemoveFailed(new AggregateException(errors), id);
            }
        }

        // What an agent that died left for the host as a whole (a VM cgroup whose sandbox is gone):
        // nothing is served yet, and whatever is in use stays.
        await runtime.ReleaseHostResourcesAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> TryAdoptAsync(Sandbox sandbox, SandboxRecord record, string token, CancellationToken cancellationToken)
    {
        if (!await runtime.ExistsAsync(sandbox.Runtime!, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        sandbox.EnvdAccessToken = token;
        sandbox.EnvdVersion = record.EnvdVersion;
        sandbox.StartedAt = record.StartedAt;
        sandbox.TimeoutSec = record.TimeoutSec;
        sandbox.State = record.Paused ? SandboxState.Paused : SandboxState.Running;
        if (!record.Paused)
        {
            try
            {
                // Alive is not enough: its envd must answer, or nobody can use it.
                sandbox.EnvdVersion = await envd.WaitUntilHealthyAsync(sandbox.EnvdUri!, TimeSpan.FromSeconds(5), probe => runtime.IsRunningAsync(sandbox.Runtime!, probe), cancellationToken).ConfigureAwait(false)
                    ?? sandbox.EnvdVersion;
            }
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or HttpRequestException)
            {
                logger.AdoptedEnvdSilent(ex, sandbox.Id);
                return false;
            }
        }

        table.Set(sandbox);
        logger.SandboxAdopted(sandbox.Id, sandbox.State, sandbox.Slot?.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none: paused to disk");
        return true;
    }
}
