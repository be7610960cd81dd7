using System.Collections.Concurrent;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>Remembers which sandboxes were counted active.</summary>
public sealed class FakeSandboxActivity : ISandboxActivity
{
    public ConcurrentQueue<string> Recorded { get; } = new();

    public ValueTask RecordAsync(string sandboxId, CancellationToken cancellationToken)
    {
        Recorded.Enqueue(sandboxId);
        return ValueTask.CompletedTask;
    }

    public void MarkRecorded(string sandboxId, DateTime at)
    {
    }
}
