using System.Text.Encodings.Web;
using System.Text.Json;

namespace Wrenn.Envd.Connect;

/// <summary>The JSON Connect puts errors in: the end-of-stream message of streams and the body of unary errors.</summary>
public static class ConnectErrorJson
{
    // Messages quote paths and names; keep them readable ('x', not \u0027x\u0027). Still valid JSON.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>End-of-stream payload: <c>{}</c>, or <c>{"error":{"code","message"}}</c>.</summary>
    public static byte[] EndStream(ConnectException? error)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            if (error is not null)
            {
                json.WritePropertyName("error");
                WriteError(json, error);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Unary error body: <c>{"code","message"}</c>.</summary>
    public static byte[] Unary(ConnectException error)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteError(json, error);
        }

        return buffer.ToArray();
    }

    private static void WriteError(Utf8JsonWriter json, ConnectException error)
    {
        json.WriteStartObject();
        json.WriteString("code", error.Code);
        json.WriteString("message", error.Message);
        json.WriteEndObject();
    }
}
