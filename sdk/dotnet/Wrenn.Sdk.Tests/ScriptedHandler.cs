using System.Net;

namespace Wrenn.Sdk.Tests;

/// <summary>An HTTP handler that answers from a script and records what it was asked, for unit tests without a platform.</summary>
public sealed class ScriptedHandler(params (HttpStatusCode Status, string Body)[] answers) : HttpMessageHandler
{
    private readonly Queue<(HttpStatusCode Status, string Body)> _answers = new(answers);

    public List<HttpRequestMessage> Requests { get; } = [];

    /// <summary>Each request's body as sent (empty without one): the SDK disposes requests once answered.</summary>
    public List<string> Bodies { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        Bodies.Add(request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken));
        var (status, body) = _answers.Count > 0 ? _answers.Dequeue() : (HttpStatusCode.OK, "{}");
        return new HttpResponseMessage(status) { Content = new StringContent(body) };
    }
}
