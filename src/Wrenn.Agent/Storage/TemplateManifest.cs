using Wrenn.Agent.Storage.Ownership;

namespace Wrenn.Agent.Storage;

/// <summary>
/// What <c>templates/&lt;name&gt;/template.json</c> records. Written last, so a template directory
/// without it is an interrupted creation, never a template.
/// </summary>
/// <param name="Name">The template's SafeName.</param>
/// <param name="Parent">The image or template the source sandbox started from: the layers below this one.</param>
/// <param name="SourceSandboxId">The sandbox it was made from.</param>
/// <param name="Vcpus">vCPUs every sandbox from it gets.</param>
/// <param name="MemoryMb">Memory every sandbox from it gets.</param>
/// <param name="SizeBytes">Bytes in its own layer.</param>
/// <param name="KeepsMemory">False: this runtime keeps files, not processes.</param>
/// <param name="CreatedAt">When it was made.</param>
/// <param name="Owners">The id mapping its layer's owners were written under (null: host ids as the sandbox saw them).</param>
public sealed record TemplateManifest(
    string Name,
    string Parent,
    string SourceSandboxId,
    uint Vcpus,
    uint MemoryMb,
    long SizeBytes,
    bool KeepsMemory,
    DateTimeOffset CreatedAt,
    IdMapping? Owners = null);
