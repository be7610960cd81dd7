namespace Wrenn.Agent.Transfers;

/// <summary>A template cannot be stored here because what it stands on (a template or an image) is not here.</summary>
public sealed class TemplateParentMissingException(string name, string parent)
    : Exception($"template {name} stands on '{parent}', which this host does not hold; copy that first")
{
    public string Name { get; } = name;

    public string Parent { get; } = parent;
}
