namespace Wrenn.Agent.Transfers;

/// <summary>A template archive's bytes are not the ones its header describes: damaged or cut short on the way.</summary>
public sealed class TemplateChecksumMismatchException(string name, string expected, string actual)
    : Exception($"the archive of template {name} does not match its checksum: expected {expected}, got {actual}; nothing was stored")
{
    public string Name { get; } = name;
}
