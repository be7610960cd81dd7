using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;

namespace Wrenn.Envd.Tests.TestSupport;

/// <summary>Unary Connect calls (application/proto or application/json) for tests.</summary>
public sealed class ConnectUnaryClient(HttpClient http)
{
    public sealed record Result<T>(HttpStatusCode Status, T? Message, string? ErrorCode, string Body);

    public async Task<Result<TResponse>> CallAsync<TResponse>(string procedure, IMessage request, MessageParser<TResponse> parser, bool json = false, string? user = null, string? accessToken = null)
        where TResponse : IMessage<TResponse>, new()
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/" + procedure)
        {
            Content = json ? new StringContent(JsonFormatter.Default.Format(request), Encoding.UTF8) : new ByteArrayContent(request.ToByteArray()),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(json ? "application/json" : "application/proto");
        if (user is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":")));
        }

        if (accessToken is not null)
        {
            message.Headers.Add("X-Access-Token", accessToken);
        }

        using var response = await http.SendAsync(message);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var body = Encoding.UTF8.GetString(bytes);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            string? code = null;
            if (response.Content.Headers.ContentType?.MediaType == "application/json")
            {
                using var error = System.Text.Json.JsonDocument.Parse(body);
                code = error.RootElement.TryGetProperty("code", out var c) && c.ValueKind == System.Text.Json.JsonValueKind.String ? c.GetString() : null;
            }

            return new Result<TResponse>(response.StatusCode, default, code, body);
        }

        var parsed = json ? JsonParser.Default.Parse<TResponse>(body) : parser.ParseFrom(bytes);
        return new Result<TResponse>(response.StatusCode, parsed, null, body);
    }
}
