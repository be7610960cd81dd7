using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Envd.Tests.TestSupport;

/// <summary>A minimal Connect client written from the protocol, independent of envd's own framing code.</summary>
public sealed class ConnectTestClient(HttpClient http)
{
    private static readonly JsonParser JsonParser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>What a server stream returned: its messages, and the error its end-of-stream message carried.</summary>
    public sealed record StreamResult(HttpStatusCode Status, List<ProcessEvent> Events, string? ErrorCode, string? ErrorMessage, string RawEnd);

    public async Task<StreamResult> StartAsync(StartRequest request, bool json, string? user = null, int? timeoutMs = null, CancellationToken cancellationToken = default)
    {
        using var message = StartMessage(request, json, user, timeoutMs);
        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var events = new List<ProcessEvent>();
        var offset = 0;
        string? code = null, text = null, rawEnd = string.Empty;
        while (offset + 5 <= body.Length)
        {
            var flags = body[offset];
            var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(offset + 1));
            var payload = body.AsSpan(offset + 5, length);
            offset += 5 + length;
            if ((flags & 0x02) != 0)
            {
                rawEnd = Encoding.UTF8.GetString(payload);
                using var end = JsonDocument.Parse(rawEnd);
                if (end.RootElement.TryGetProperty("error", out var error))
                {
                    code = error.GetProperty("code").GetString();
                    text = error.GetProperty("message").GetString();
                }

                break;
            }

            var parsed = json ? JsonParser.Parse<StartResponse>(Encoding.UTF8.GetString(payload)) : StartResponse.Parser.ParseFrom(payload);
            events.Add(parsed.Event);
        }

        return new StreamResult(response.StatusCode, events, code, text, rawEnd);
    }

    public static HttpRequestMessage StartMessage(StartRequest request, bool json, string? user = null, int? timeoutMs = null, byte flags = 0)
    {
        var payload = json ? Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(request)) : request.ToByteArray();
        var frame = new byte[5 + payload.Length];
        frame[0] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), payload.Length);
        payload.CopyTo(frame, 5);
        var message = new HttpRequestMessage(HttpMethod.Post, "/process.Process/Start") { Content = new ByteArrayContent(frame) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(json ? "application/connect+json" : "application/connect+proto");
        message.Headers.Add("Connect-Protocol-Version", "1");
        if (user is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":")));
        }

        if (timeoutMs is { } timeout)
        {
            message.Headers.Add("Connect-Timeout-Ms", timeout.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return message;
    }

    public static StartRequest Command(string cmd, params string[] args)
    {
        var request = new StartRequest { Process = new ProcessConfig { Cmd = cmd }, Stdin = false };
        request.Process.Args.Add(args);
        return request;
    }

    public static string Stdout(IEnumerable<ProcessEvent> events) =>
        Encoding.UTF8.GetString([.. events.Where(e => e.EventCase == ProcessEvent.EventOneofCase.Data && e.Data.OutputCase == ProcessEvent.Types.DataEvent.OutputOneofCase.Stdout).SelectMany(e => e.Data.Stdout.ToByteArray())]);

    public static string Stderr(IEnumerable<ProcessEvent> events) =>
        Encoding.UTF8.GetString([.. events.Where(e => e.EventCase == ProcessEvent.EventOneofCase.Data && e.Data.OutputCase == ProcessEvent.Types.DataEvent.OutputOneofCase.Stderr).SelectMany(e => e.Data.Stderr.ToByteArray())]);
}
