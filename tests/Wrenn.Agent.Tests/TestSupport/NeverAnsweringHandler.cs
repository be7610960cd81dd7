namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>Answers nothing until the request is cancelled: a connection in a backlog nobody accepts, or one into nothing.</summary>
public sealed class NeverAnsweringHandler : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new InvalidOperationException("unreachable");
    }
}
