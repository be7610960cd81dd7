using Google.Protobuf;

namespace Wrenn.Envd.Connect;

/// <summary>
/// How messages of one call are encoded: binary protobuf or the protobuf JSON mapping, as the
/// request's content type says, and whether the call is a stream (enveloped) or unary.
/// </summary>
public sealed class ConnectWireFormat
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default);

    // Clients may be newer than envd: fields it does not know are skipped, not an error.
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    private ConnectWireFormat(bool json, bool streaming, string contentType)
    {
        IsJson = json;
        IsStreaming = streaming;
        ContentType = contentType;
    }

    public bool IsJson { get; }

    public bool IsStreaming { get; }

    /// <summary>The content type the response carries (the request's, without parameters).</summary>
    public string ContentType { get; }

    /// <summary>Recognises application/connect+proto, application/connect+json, application/proto and application/json.</summary>
    public static ConnectWireFormat? FromContentType(string? contentType)
    {
        var mediaType = contentType?.Split(';', 2)[0].Trim().ToLowerInvariant();
        return mediaType switch
        {
            "application/connect+proto" => new ConnectWireFormat(json: false, streaming: true, mediaType),
            "application/connect+json" => new ConnectWireFormat(json: true, streaming: true, mediaType),
            "application/proto" => new ConnectWireFormat(json: false, streaming: false, mediaType),
            "application/json" => new ConnectWireFormat(json: true, streaming: false, mediaType),
            _ => null,
        };
    }

    public byte[] Serialize(IMessage message) =>
        IsJson ? System.Text.Encoding.UTF8.GetBytes(Formatter.Format(message)) : message.ToByteArray();

    public T Deserialize<T>(MessageParser<T> parser, ReadOnlySpan<byte> payload)
        where T : IMessage<T>, new()
    {
        try
        {
            return IsJson
                ? Parser.Parse<T>(System.Text.Encoding.UTF8.GetString(payload))
                : parser.ParseFrom(payload);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            throw new ConnectException(ConnectCode.InvalidArgument, "malformed request message: " + ex.Message, ex);
        }
    }
}
