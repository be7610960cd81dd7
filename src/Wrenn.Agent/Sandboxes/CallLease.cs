namespace Wrenn.Agent.Sandboxes;

/// <summary>A place taken from <see cref="SandboxCallLimiter"/>: given back once, on the first dispose.</summary>
public sealed class CallLease(Action release) : IDisposable
{
    private int _released;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            release();
        }
    }
}
