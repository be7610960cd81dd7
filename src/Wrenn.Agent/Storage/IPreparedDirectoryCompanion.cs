namespace Wrenn.Agent.Storage;

/// <summary>
/// What a prepared disk's directory gets ahead of the create that takes it, beside the mounted disk: the container
/// console's pipe and rotator (<see cref="Runtimes.Container.PreparedConsoles"/>). Started when the disk is prepared,
/// it follows the directory when a create renames it into a sandbox's place, and is ended when the directory is
/// discarded or that create is undone before the sandbox took it: nothing is left waiting for a directory that is gone.
/// </summary>
public interface IPreparedDirectoryCompanion
{
    /// <summary>Starts it in <paramref name="directory"/> (a prepared disk's, mounted); on failure nothing of it is left.</summary>
    Task StartAsync(string directory, CancellationToken cancellationToken);

    /// <summary><paramref name="from"/> was renamed to <paramref name="to"/> (a create took it).</summary>
    void Moved(string from, string to);

    /// <summary>Ends what <paramref name="directory"/> has of it and the sandbox did not take; nothing when there is none.</summary>
    void End(string directory);
}
