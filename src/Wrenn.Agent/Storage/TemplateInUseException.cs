namespace Wrenn.Agent.Storage;

/// <summary>A template cannot be removed while sandboxes run from it or other templates are built on it.</summary>
public sealed class TemplateInUseException(string name, string usedBy)
    : Exception($"template '{name}' is in use by {usedBy}; remove those first")
{
    public string Name { get; } = name;
}
