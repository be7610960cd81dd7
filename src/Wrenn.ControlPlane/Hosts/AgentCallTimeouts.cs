namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// How long each kind of agent call may take: the one place deadlines are decided
/// (<see cref="ControlPlaneOptions.AgentTimeouts"/>, used by <see cref="IAgentGateway"/>).
/// </summary>
public sealed class AgentCallTimeouts
{
    /// <summary>Creating a sandbox (pulling layers, booting a VM).</summary>
    public TimeSpan Create { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Pause, resume and destroy: large VMs write or read their memory, which may take minutes.</summary>
    public TimeSpan Lifecycle { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Copying a sandbox into a template, or deleting one.</summary>
    public TimeSpan Snapshot { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Ping, metrics, host metrics.</summary>
    public TimeSpan Quick { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Listing a host's sandboxes (the reconciler asks every few seconds).</summary>
    public TimeSpan List { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Listing and making directories.</summary>
    public TimeSpan FileOperation { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Removing a path (a large tree takes a while).</summary>
    public TimeSpan RemovePath { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Streaming one file up or down.</summary>
    public TimeSpan FileTransfer { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A command's own timeout when it gives none.</summary>
    public TimeSpan DefaultCommand { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Extra time a command's call may take beyond the command's own timeout.</summary>
    public TimeSpan CommandMargin { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The first of these that is not positive, or null.</summary>
    public string? Check()
    {
        foreach (var (name, value) in new[]
                 {
                     (nameof(Create), Create), (nameof(Lifecycle), Lifecycle), (nameof(Snapshot), Snapshot), (nameof(Quick), Quick),
                     (nameof(List), List), (nameof(FileOperation), FileOperation), (nameof(RemovePath), RemovePath),
                     (nameof(FileTransfer), FileTransfer), (nameof(DefaultCommand), DefaultCommand), (nameof(CommandMargin), CommandMargin),
                 })
        {
            if (value <= TimeSpan.Zero)
            {
                return $"agent call timeout {name} must be positive";
            }
        }

        return null;
    }
}
