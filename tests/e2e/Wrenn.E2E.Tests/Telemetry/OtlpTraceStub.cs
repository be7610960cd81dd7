using System.Net;

namespace Wrenn.E2E.Tests.Telemetry;

/// <summary>
/// A stand-in OpenTelemetry collector: accepts OTLP/HTTP protobuf trace exports on loopback
/// (<c>POST /v1/traces</c>) and keeps every span they carry.
/// </summary>
public sealed class OtlpTraceStub : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<ReceivedSpan> _spans = [];
    private readonly Task _serving;

    public OtlpTraceStub()
    {
        Port = FreeTcpPort.OnLoopback();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>What OTEL_EXPORTER_OTLP_ENDPOINT is set to.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}";

    public IReadOnlyList<ReceivedSpan> Spans
    {
        get
        {
            lock (_spans)
            {
                return [.. _spans];
            }
        }
    }

    /// <summary>Waits until <paramref name="done"/> holds for the spans received, or fails after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<ReceivedSpan>> WaitForAsync(Func<IReadOnlyList<ReceivedSpan>, bool> done, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done(Spans))
        {
            Assert.True(DateTime.UtcNow < deadline, "spans received:\n" + string.Join('\n', Spans));
            await Task.Delay(100, cancellationToken);
        }

        return Spans;
    }

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Closing the listener ends the accept loop with an exception; nothing else is waiting on it.
        }
    }

    /// <summary>OTLP's ExportTraceServiceRequest: resource_spans(1) → resource(1) attributes(1), scope_spans(2) → scope(1) name(1), spans(2).</summary>
    internal static IEnumerable<ReceivedSpan> Parse(ReadOnlyMemory<byte> request)
    {
        foreach (var (field, resourceSpans) in ProtoFields.LengthDelimited(request))
        {
            if (field != 1)
            {
                continue;
            }

            var service = ProtoFields.LengthDelimited(ProtoFields.First(resourceSpans, 1))
                .Where(a => a.Field == 1)
                .Select(a => (Key: ProtoFields.Text(ProtoFields.First(a.Bytes, 1)), Value: ProtoFields.Text(ProtoFields.First(ProtoFields.First(a.Bytes, 2), 1))))
                .FirstOrDefault(a => a.Key == "service.name").Value ?? "";
            foreach (var (scopeField, scopeSpans) in ProtoFields.LengthDelimited(resourceSpans))
            {
                if (scopeField != 2)
                {
                    continue;
                }

                var scope = ProtoFields.Text(ProtoFields.First(ProtoFields.First(scopeSpans, 1), 1));
                foreach (var (spanField, span) in ProtoFields.LengthDelimited(scopeSpans))
                {
                    if (spanField == 2)
                    {
                        yield return new ReceivedSpan(
                            service,
                            scope,
                            ProtoFields.Hex(ProtoFields.First(span, 1)),
                            ProtoFields.Hex(ProtoFields.First(span, 2)),
                            ProtoFields.Hex(ProtoFields.First(span, 4)),
                            ProtoFields.Text(ProtoFields.First(span, 5)));
                    }
                }
            }
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            if (context.Request.Url?.AbsolutePath == "/v1/traces")
            {
                var spans = Parse(body.ToArray()).ToList();
                lock (_spans)
                {
                    _spans.AddRange(spans);
                }
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }
}
