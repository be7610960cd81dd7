using System.Text.Json.Serialization;

namespace Wrenn.Envd.Http;

/// <summary>One file POST /files wrote: <c>{"path","name","type":"file"[,"metadata"]}</c>.</summary>
public sealed record WrittenFile(
    string Path,
    string Name,
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Dictionary<string, string>? Metadata = null);
