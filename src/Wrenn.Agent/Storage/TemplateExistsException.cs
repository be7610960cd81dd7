namespace Wrenn.Agent.Storage;

/// <summary>The name is taken on this host, by a template or by a base image.</summary>
public sealed class TemplateExistsException(string name, string takenBy)
    : Exception($"'{name}' is already the name of {takenBy} on this host; choose another name")
{
    public string Name { get; } = name;
}
