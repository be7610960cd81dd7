using Microsoft.Extensions.Options;
using Wrenn.Agent.Os;
using Wrenn.Agent.Runtimes;
using Wrenn.Envd.Protocol;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// What a guest that did not boot as this sandbox needs: readiness of its envd, its own hostname and
/// /etc/hosts (a VM restored from memory, a sandbox claimed from the warm pool), and the clock after a
/// VM slept on disk.
/// </summary>
public sealed class GuestSetup(
    IRuntime runtime,
    ISandboxEnvd envd,
    IOptions<SandboxManagerOptions> options,
    ILogger<GuestSetup> logger)
{
    /// <summary>runc writes the container's init pid here (ContainerRuntime's --pid-file).</summary>
    private const string InitPidFileName = "init.pid";

    /// <summary>Owner read/write, others read: what the guest's own /etc/hostname and /etc/hosts have.</summary>
    private const uint GuestFileMode = 0x1A4;

    /// <summary>Waits until the sandbox's envd answers; a sandbox that died says so with its console.</summary>
    public async Task WaitForEnvdAsync(Sandbox sandbox, RuntimeSandbox runtimeSandbox, CancellationToken cancellationToken)
    {
        try
        {
            await envd.WaitUntilHealthyAsync(
                sandbox.EnvdUri!,
                options.Value.EnvdReadyTimeout,
                probe => runtime.IsRunningAsync(runtimeSandbox, probe),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            // What init and envd printed is usually the whole explanation.
            throw new InvalidOperationException($"{ex.Message}; sandbox console:\n{runtime.ReadConsoleTail(runtimeSandbox)}", ex);
        }
    }

    /// <summary>
    /// A VM restored from memory still has the hostname of the one the memory was taken from; it gets
    /// its own (as a container's is its id) through a shell in the guest, where its envd did not name it
    /// in /init (an envd older than that, inside a template's memory). Cosmetic, so a failure is logged, not thrown.
    /// </summary>
    public async Task NameRestoredGuestAsync(Sandbox sandbox, CancellationToken cancellationToken)
    {
        try
        {
            await NameThroughEnvdAsync(sandbox, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.NamingRestoredSandboxFailed(ex, sandbox.Id);
        }
    }

    /// <summary>
    /// True when <see cref="NameClaimedGuestAsync"/> names the guest from the host (a container: its files
    /// and UTS namespace) without a call to its envd; false when it goes through envd (a VM), which must
    /// then hold the token the claim gave it.
    /// </summary>
    public bool NamesClaimedGuestOnHost => runtime.Capabilities.HostRootfs && !runtime.Capabilities.MemorySnapshots;

    /// <summary>
    /// Gives a sandbox claimed from the warm pool its own hostname, /etc/hostname and /etc/hosts (it
    /// was made under the pool's name). Not cosmetic here: a failure fails the claim.
    /// </summary>
    public async Task NameClaimedGuestAsync(Sandbox sandbox, CancellationToken cancellationToken)
    {
        if (!NamesClaimedGuestOnHost)
        {
            await NameThroughEnvdAsync(sandbox, cancellationToken).ConfigureAwait(false);
            return;
        }

        // A container: its files are in the host's view of its root, its hostname in its UTS namespace,
        // which sandbox root cannot change (no CAP_SYS_ADMIN) but the agent can enter.
        var owner = runtime.Capabilities.FileOwners.HostId;
        using (var root = RootedFile.Open(Storage.OverlayRootfs.MountPoint(sandbox.Directory)))
        {
            root.WriteFile("/etc/hostname", System.Text.Encoding.UTF8.GetBytes(sandbox.Id + "\n"), GuestFileMode, owner, owner);
            root.WriteFile("/etc/hosts", System.Text.Encoding.UTF8.GetBytes(GuestHostsFile.For(sandbox.Id)), GuestFileMode, owner, owner);
        }

        // A few bytes: read in place, not handed to the thread pool and back (a claim is on the create's path).
        var pid = File.ReadAllText(Path.Combine(sandbox.Directory, InitPidFileName)).Trim();
        UtsHostname.Set(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture), sandbox.Id);
    }

    /// <summary>
    /// A VM's clock stood still while its memory was on disk; envd sets it from the timestamp /init
    /// carries. A failure only costs a late clock, so it is logged, not thrown.
    /// </summary>
    public async Task SyncClockAsync(Sandbox sandbox, CancellationToken cancellationToken)
    {
        try
        {
            await WaitForEnvdAsync(sandbox, sandbox.Runtime!, cancellationToken).ConfigureAwait(false);
            var answer = await envd.InitAsync(sandbox.EnvdUri!, sandbox.EnvdAccessToken!, sandbox.EnvdAccessToken!, sandbox.Spec.Environment, options.Value.DefaultUser, hostname: null, cancellationToken).ConfigureAwait(false);
            sandbox.EnvdVersion = answer.Version ?? sandbox.EnvdVersion;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.ClockSetAfterResumeFailed(ex, sandbox.Id);
        }
    }

    private async Task NameThroughEnvdAsync(Sandbox sandbox, CancellationToken cancellationToken)
    {
        var config = new ProcessConfig { Cmd = "/bin/sh" };
        // /etc/hosts as the container path writes it (one text for both): passed whole, printed as it is.
        // The kernel's hostname through /proc (what hostname(1) sets with sethostname): the shell alone, no
        // second program to start, which under software emulation cost ~90 ms of a VM create (issue 16).
        config.Args.Add(["-c", "echo \"$0\" > /proc/sys/kernel/hostname && echo \"$0\" > /etc/hostname && printf '%s' \"$1\" > /etc/hosts", sandbox.Id, GuestHostsFile.For(sandbox.Id)]);
        ProcessEvent.Types.EndEvent? end = null;
        await foreach (var processEvent in envd.StartProcessAsync(sandbox.Envd, new StartRequest { Process = config }, "root", TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false))
        {
            end = processEvent.EventCase == ProcessEvent.EventOneofCase.End ? processEvent.End : end;
        }

        if (end is not { ExitCode: 0 })
        {
            throw new InvalidOperationException($"naming sandbox {sandbox.Id} failed: {end?.Status ?? "no end event"}");
        }
    }
}
