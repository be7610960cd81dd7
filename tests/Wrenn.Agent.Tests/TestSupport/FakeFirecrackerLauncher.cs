using System.Diagnostics;
using Wrenn.Agent.Runtimes.Firecracker;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// Stands in for starting firecracker (no KVM here): a contract-checking <see cref="FakeFirecracker"/>
/// answers on the API socket, and a sleeping process whose command line names the sandbox stands for
/// the VMM process the runtime watches and kills.
/// </summary>
public sealed class FakeFirecrackerLauncher : IFirecrackerLauncher, IAsyncDisposable
{
    private readonly List<FakeFirecracker> _vmms = [];
    private readonly List<Process> _processes = [];

    /// <summary>Every fake started so far, oldest first (one per launch: boot, then each resume).</summary>
    public IReadOnlyList<FakeFirecracker> Vmms => _vmms;

    /// <summary>Applied to each new fake before the runtime talks to it (e.g. to inject a failure).</summary>
    public Action<FakeFirecracker>? OnLaunch { get; set; }

    /// <summary>Pages the guest "wrote" (page index → fill byte), kept across its processes.</summary>
    public Dictionary<int, byte> WrittenPages { get; } = [];

    /// <summary>What each launch asked for.</summary>
    public List<FirecrackerLaunch> Launches { get; } = [];

    public async Task LaunchAsync(FirecrackerLaunch launch, CancellationToken cancellationToken)
    {
        Launches.Add(launch);
        var vmm = await FakeFirecracker.StartAsync(launch.ApiSocket, cancellationToken);
        // One guest across restarts: what it "wrote" before a pause is what its memory files must hold after.
        vmm.WrittenPages = WrittenPages;
        _vmms.Add(vmm);
        OnLaunch?.Invoke(vmm);
        var process = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-c", "import time; time.sleep(600)", "--id", "wrenn-" + launch.SandboxId]))!;
        _processes.Add(process);
        await File.WriteAllTextAsync(launch.PidFile, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }

        foreach (var vmm in _vmms)
        {
            await vmm.DisposeAsync();
        }
    }
}
