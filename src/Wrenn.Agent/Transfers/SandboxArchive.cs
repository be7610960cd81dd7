namespace Wrenn.Agent.Transfers;

/// <summary>
/// A paused sandbox packed for another host: the archive file and what its header says. Disposing
/// removes the directory the archive was written in.
/// </summary>
/// <param name="Description">The header's content.</param>
/// <param name="ArchivePath">The tar archive.</param>
/// <param name="Remove">Removes the archive's directory.</param>
public sealed record SandboxArchive(SandboxArchiveDescription Description, string ArchivePath, Action Remove) : IDisposable
{
    public void Dispose() => Remove();
}
