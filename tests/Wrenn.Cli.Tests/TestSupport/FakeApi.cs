using System.Net;
using System.Text;

namespace Wrenn.Cli.Tests.TestSupport;

/// <summary>
/// A control plane on a loopback port that answers from a script and records each request
/// ("METHOD /path", its Authorization and X-API-Key headers), so the real `wrenn` binary can be run against it.
/// </summary>
public sealed class FakeApi : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Queue<(HttpStatusCode Status, string Body)> _answers;
    private readonly Task _serving;

    public FakeApi(params (HttpStatusCode Status, string Body)[] answers)
    {
        _answers = new Queue<(HttpStatusCode Status, string Body)>(answers);
        Url = $"http://127.0.0.1:{FreeTcpPort.OnLoopback()}";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _serving = ServeAsync();
    }

    public string Url { get; }

    public List<(string Request, string? Authorization, string? ApiKey)> Requests { get; } = [];

    /// <summary>The X-Team-Id header of each request, in the order of <see cref="Requests"/> (null when not sent).</summary>
    public List<string?> TeamHeaders { get; } = [];

    public async ValueTask DisposeAsync()
    {
        // Close alone: after Stop, Linux's HttpListener binds the port again to remove its prefix, and fails with
        // "Address already in use" when another test's listener has taken it meanwhile (seen in make test).
        _listener.Close();
        try
        {
            await _serving.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            var context = await _listener.GetContextAsync().ConfigureAwait(false);
            lock (Requests)
            {
                Requests.Add(($"{context.Request.HttpMethod} {context.Request.Url!.AbsolutePath}", context.Request.Headers["Authorization"], context.Request.Headers["X-API-Key"]));
                TeamHeaders.Add(context.Request.Headers["X-Team-Id"]);
            }

            var (status, body) = _answers.Count > 0 ? _answers.Dequeue() : (HttpStatusCode.NotFound, """{"error": {"code": "not_found", "message": "not scripted"}}""");
            context.Response.StatusCode = (int)status;
            if (body.Length > 0)
            {
                var bytes = Encoding.UTF8.GetBytes(body);
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
            }

            context.Response.Close();
        }
    }
}
