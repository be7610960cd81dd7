using Wrenn.Agent.Envd;
using Wrenn.Agent.Network;
using Wrenn.Agent.Runtimes;

namespace Wrenn.Agent.Sandboxes;

/// <summary>One sandbox on this host, as the manager tracks it. The manager's table is the truth.</summary>
public sealed class Sandbox(CreateSandboxSpec spec, string directory)
{
    public string Id => Spec.SandboxId;

    public CreateSandboxSpec Spec { get; } = spec;

    /// <summary>
    /// $WRENN_DIR/sandboxes/&lt;name&gt;: the public id for a sandbox created cold, the pool's id for one
    /// claimed from the warm pool (its network, container and files keep the name they were made with).
    /// </summary>
    public string Directory { get; } = directory;

    /// <summary>The name the runtime, network and files know the sandbox by: its directory's name.</summary>
    public string RuntimeId => Path.GetFileName(Directory);

    public SandboxState State { get; set; } = SandboxState.Starting;

    /// <summary>Held while a state change (pause, resume, destroy, snapshot) runs, so two never overlap.</summary>
    private readonly SemaphoreSlim _transition = new(1, 1);

    /// <summary>Seconds of inactivity after which the host pauses the sandbox; 0 = never.</summary>
    public uint TimeoutSec { get; set; } = spec.TimeoutSec;

    /// <summary>Last exec, file operation, ping or resume; the inactivity timeout counts from here.</summary>
    public DateTimeOffset LastActiveAt { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>True when the host paused it for inactivity (reported to the control plane).</summary>
    public bool AutoPaused { get; set; }

    public DateTimeOffset StartedAt { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>Set once the network exists; a slot given (again) makes a new <see cref="EnvdConnectionKey"/>.</summary>
    public SlotAddresses? Slot
    {
        get => _slot;
        set
        {
            if (!ReferenceEquals(_slot, value))
            {
                _slot = value;
                EnvdConnectionKey = EnvdHostName.NewKey();
            }
        }
    }

    private SlotAddresses? _slot;

    /// <summary>
    /// In the host name of <see cref="EnvdUri"/>, so HTTP connections to this start of this sandbox are never
    /// handed to another one that gets the same address later (<see cref="EnvdHostName"/>). A pool claim keeps
    /// the pooled sandbox's: the same envd behind the same slot.
    /// </summary>
    public string EnvdConnectionKey { get; set; } = EnvdHostName.NewKey();

    /// <summary>Set once the runtime has what it needs to run the sandbox.</summary>
    public RuntimeSandbox? Runtime { get; set; }

    /// <summary>Where this host's envd client reaches the sandbox's envd (a name only <see cref="EnvdHostName"/> connects to).</summary>
    public Uri? EnvdUri => Slot is null ? null : EnvdHostName.For(Slot.SandboxAddress, EnvdConnectionKey, EnvdClient.Port);

    /// <summary>The sandbox's envd as an address and port, for what connects without the envd client (tunnels, the control plane).</summary>
    public System.Net.IPEndPoint? EnvdAddress => Slot is null ? null : new(Slot.SandboxAddress, EnvdClient.Port);

    /// <summary>The token envd was given at /init; every call to it carries this.</summary>
    public string? EnvdAccessToken { get; set; }

    /// <summary>
    /// The E2B envd version this sandbox's envd reported (on /init, or /health when adopted); null while
    /// unknown. What runs may be older than the agent's envd: a VM restored from memory runs the envd
    /// its template was made with.
    /// </summary>
    public string? EnvdVersion { get; set; }

    public EnvdEndpoint Envd => new(EnvdUri ?? throw new InvalidOperationException($"sandbox {Id} has no network yet"), EnvdAccessToken);

    /// <summary>
    /// Runs <paramref name="change"/> as this sandbox's only state change: a pause, resume, destroy or
    /// snapshot waits for the one before it. The one transition helper every operation goes through.
    /// </summary>
    public async Task<T> TransitionAsync<T>(Func<Task<T>> change, CancellationToken cancellationToken)
    {
        await _transition.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await change().ConfigureAwait(false);
        }
        finally
        {
            _transition.Release();
        }
    }
}
