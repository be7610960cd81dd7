using System.Net;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>Answers every request with <paramref name="answer"/> and keeps the bodies it was sent.</summary>
public sealed class CapturingHandler(string answer) : HttpMessageHandler
{
    public List<string> Bodies { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Bodies.Add(request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken));
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(answer, System.Text.Encoding.UTF8, "application/json") };
    }
}
