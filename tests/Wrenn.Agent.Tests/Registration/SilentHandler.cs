namespace Wrenn.Agent.Tests.Registration;

/// <summary>A control plane that never answers: every request waits until it is cancelled.</summary>
public sealed class SilentHandler : HttpMessageHandler
{
    private int _calls;

    public int Calls => _calls;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new InvalidOperationException("unreachable");
    }
}
