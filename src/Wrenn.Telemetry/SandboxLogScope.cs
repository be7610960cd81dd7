using System.Collections;

namespace Wrenn.Telemetry;

/// <summary>
/// The log scope around work on one sandbox: JSON log lines carry it as <c>"SandboxId"</c> in their
/// scopes, so every line about a sandbox can be found by its id, whichever class wrote it.
/// </summary>
public sealed record SandboxLogScope(string SandboxId) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 1;

    public KeyValuePair<string, object?> this[int index] =>
        index == 0 ? new("SandboxId", SandboxId) : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => "sandbox " + SandboxId;
}
