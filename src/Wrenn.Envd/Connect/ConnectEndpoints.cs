using System.Globalization;
using Google.Protobuf;
using Wrenn.Envd.Hosting;

namespace Wrenn.Envd.Connect;

/// <summary>
/// Maps Connect procedures (POST /package.Service/Method) onto ASP.NET Core endpoints: content-type
/// negotiation, envelopes, timeouts and errors, so handlers deal only in messages.
/// </summary>
public static class ConnectEndpoints
{
    public const string TimeoutHeader = "Connect-Timeout-Ms";
    private const string ContentEncodingHeader = "Connect-Content-Encoding";

    /// <summary>A server-streaming procedure: one request message, a stream of responses, an end-of-stream message.</summary>
    public static void MapServerStreaming<TRequest, TResponse>(
        this RouteTable app,
        string procedure,
        MessageParser<TRequest> parser,
        Func<TRequest, ConnectCallContext, ConnectServerStream<TResponse>, Task> handler)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse> =>
        MapStream<TResponse>(app, procedure, async (http, format, call, stream) =>
        {
            var envelope = await ConnectEnvelope.ReadAsync(http.Request.Body, ConnectEnvelope.MaxRequestMessageBytes, call.Deadline).ConfigureAwait(false)
                ?? throw new ConnectException(ConnectCode.InvalidArgument, "the request carries no message");
            await handler(format.Deserialize(parser, Uncompressed(envelope)), call, stream).ConfigureAwait(false);
        });

    /// <summary>
    /// A client-streaming procedure: a stream of request messages, then one response message and the
    /// end-of-stream message (Connect frames both directions of such calls as streams).
    /// </summary>
    public static void MapClientStreaming<TRequest, TResponse>(
        this RouteTable app,
        string procedure,
        MessageParser<TRequest> parser,
        Func<IAsyncEnumerable<TRequest>, ConnectCallContext, Task<TResponse>> handler)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse> =>
        MapStream<TResponse>(app, procedure, async (http, format, call, stream) =>
        {
            var response = await handler(ReadRequestsAsync(http.Request.Body, format, parser, call.Deadline), call).ConfigureAwait(false);
            await stream.WriteAsync(response, call.ClientAborted).ConfigureAwait(false);
        });

    private static void MapStream<TResponse>(
        RouteTable app,
        string procedure,
        Func<HttpContext, ConnectWireFormat, ConnectCallContext, ConnectServerStream<TResponse>, Task> run)
        where TResponse : IMessage<TResponse>
    {
        app.MapRequest(HttpMethods.Post, "/" + procedure, async http =>
        {
            var format = ConnectWireFormat.FromContentType(http.Request.ContentType);
            if (format is null || !format.IsStreaming)
            {
                await RefuseContentTypeAsync(http, streaming: true).ConfigureAwait(false);
                return;
            }

            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = format.ContentType;
            ConnectException? error = null;
            try
            {
                var timeout = ParseTimeout(http.Request);
                using var call = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
                if (timeout is { } limit)
                {
                    call.CancelAfter(limit);
                }

                RequireIdentityEncoding(http.Request);
                await run(http, format, new ConnectCallContext(http, timeout, http.RequestAborted, call.Token), new ConnectServerStream<TResponse>(http.Response, format)).ConfigureAwait(false);
            }
            catch (ConnectException ex)
            {
                error = ex;
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException)
            {
                error = new ConnectException(ConnectCode.DeadlineExceeded, "the call ran past its Connect-Timeout-Ms");
            }
            catch (Exception ex)
            {
                http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ConnectEndpoints)).ProcedureFailed(ex, procedure);
                error = new ConnectException(ConnectCode.Internal, ex.Message, ex);
            }

            try
            {
                await ConnectEnvelope.WriteAsync(http.Response.Body, ConnectEnvelope.EndStreamFlag, ConnectErrorJson.EndStream(error), http.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException)
            {
                // The client is gone; there is nobody to tell.
            }
        });
    }

    private static async IAsyncEnumerable<TRequest> ReadRequestsAsync<TRequest>(
        Stream body,
        ConnectWireFormat format,
        MessageParser<TRequest> parser,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>, new()
    {
        while (await ConnectEnvelope.ReadAsync(body, ConnectEnvelope.MaxRequestMessageBytes, cancellationToken).ConfigureAwait(false) is { } envelope)
        {
            if ((envelope.Flags & ConnectEnvelope.EndStreamFlag) != 0)
            {
                yield break;
            }

            yield return format.Deserialize(parser, Uncompressed(envelope));
        }
    }

    private static byte[] Uncompressed((byte Flags, byte[] Payload) envelope) =>
        (envelope.Flags & ConnectEnvelope.CompressedFlag) != 0
            ? throw new ConnectException(ConnectCode.Unimplemented, "compressed messages are not supported; send them uncompressed")
            : envelope.Payload;

    /// <summary>A unary procedure: one message each way; errors as HTTP status and a JSON body.</summary>
    public static void MapUnary<TRequest, TResponse>(
        this RouteTable app,
        string procedure,
        MessageParser<TRequest> parser,
        Func<TRequest, ConnectCallContext, Task<TResponse>> handler)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>
    {
        app.MapRequest(HttpMethods.Post, "/" + procedure, async http =>
        {
            var format = ConnectWireFormat.FromContentType(http.Request.ContentType);
            if (format is null || format.IsStreaming)
            {
                await RefuseContentTypeAsync(http, streaming: false).ConfigureAwait(false);
                return;
            }

            try
            {
                var timeout = ParseTimeout(http.Request);
                using var call = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
                if (timeout is { } limit)
                {
                    call.CancelAfter(limit);
                }

                RequireIdentityEncoding(http.Request, "Content-Encoding");
                using var body = new MemoryStream();
                await http.Request.Body.CopyToAsync(body, call.Token).ConfigureAwait(false);
                if (body.Length > ConnectEnvelope.MaxRequestMessageBytes)
                {
                    throw new ConnectException(ConnectCode.ResourceExhausted, "request message too large");
                }

                var request = format.Deserialize(parser, body.ToArray());
                var response = await handler(request, new ConnectCallContext(http, timeout, http.RequestAborted, call.Token)).ConfigureAwait(false);
                http.Response.StatusCode = StatusCodes.Status200OK;
                http.Response.ContentType = format.ContentType;
                await http.Response.Body.WriteAsync(format.Serialize(response), http.RequestAborted).ConfigureAwait(false);
            }
            catch (ConnectException ex)
            {
                await WriteUnaryErrorAsync(http, ex).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException)
            {
                await WriteUnaryErrorAsync(http, new ConnectException(ConnectCode.DeadlineExceeded, "the call ran past its Connect-Timeout-Ms")).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ConnectEndpoints)).ProcedureFailed(ex, procedure);
                await WriteUnaryErrorAsync(http, new ConnectException(ConnectCode.Internal, ex.Message, ex)).ConfigureAwait(false);
            }
        });
    }

    /// <summary>Parses Connect-Timeout-Ms: at most 10 digits of milliseconds.</summary>
    internal static TimeSpan? ParseTimeout(HttpRequest request)
    {
        var value = request.Headers[TimeoutHeader].ToString();
        if (value.Length == 0)
        {
            return null;
        }

        if (value.Length > 10 || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds))
        {
            throw new ConnectException(ConnectCode.InvalidArgument, $"{TimeoutHeader} must be 1 to 10 digits, not '{value}'");
        }

        return TimeSpan.FromMilliseconds(milliseconds);
    }

    private static void RequireIdentityEncoding(HttpRequest request, string header = ContentEncodingHeader)
    {
        var encoding = request.Headers[header].ToString();
        if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            throw new ConnectException(ConnectCode.Unimplemented, $"{header} '{encoding}' is not supported; envd accepts identity only");
        }
    }

    private static Task RefuseContentTypeAsync(HttpContext http, bool streaming)
    {
        // Not a Connect error: a client that sends the wrong content type may not speak Connect at all.
        http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
        http.Response.Headers.Accept = streaming
            ? "application/connect+proto, application/connect+json"
            : "application/proto, application/json";
        return Task.CompletedTask;
    }

    private static async Task WriteUnaryErrorAsync(HttpContext http, ConnectException error)
    {
        if (http.Response.HasStarted)
        {
            return;
        }

        http.Response.StatusCode = ConnectCode.HttpStatus(error.Code);
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(ConnectErrorJson.Unary(error), http.RequestAborted).ConfigureAwait(false);
    }
}
