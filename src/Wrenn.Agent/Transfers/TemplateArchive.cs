namespace Wrenn.Agent.Transfers;

/// <summary>
/// A template packed for another host: the archive file and what its header says. Disposing removes
/// the directory the archive was written in.
/// </summary>
/// <param name="Name">The template's id.</param>
/// <param name="Parent">The image name or template id it stands on.</param>
/// <param name="KeepsMemory">A VM's template (memory and devices), not only files.</param>
/// <param name="ArchivePath">The tar archive.</param>
/// <param name="ArchiveBytes">Its size.</param>
/// <param name="Sha256">Its SHA-256, lower-case hex.</param>
/// <param name="Remove">Removes the archive's directory.</param>
public sealed record TemplateArchive(string Name, string Parent, bool KeepsMemory, string ArchivePath, long ArchiveBytes, string Sha256, Action Remove) : IDisposable
{
    public void Dispose() => Remove();
}
