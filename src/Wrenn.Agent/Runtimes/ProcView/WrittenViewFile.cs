namespace Wrenn.Agent.Runtimes.ProcView;

/// <summary>
/// A file of the sandbox's view whose text is fixed for the container's life: the runtime writes
/// <paramref name="Content"/> to <paramref name="Name"/> in the sandbox's directory and binds it read-only over
/// <paramref name="Destination"/>, where lxcfs would otherwise answer every read through FUSE.
/// </summary>
public sealed record WrittenViewFile(string Name, string Destination, string Content)
{
    /// <summary>Where it is written for the sandbox whose directory is <paramref name="sandboxDirectory"/>, and bound from.</summary>
    public string PathIn(string sandboxDirectory) => Path.GetFullPath(Path.Combine(sandboxDirectory, Name));
}
