using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Wrenn.ControlPlane.E2b.Contracts;

namespace Wrenn.ControlPlane.E2b;

/// <summary>Answers in E2B's shapes: JSON from <see cref="E2bJsonContext"/>, errors as <c>{"code", "message"}</c>.</summary>
public static class E2bResults
{
    /// <summary>E2B's bodies are small; anything bigger is a mistake or an attack.</summary>
    public const int MaxJsonBodyBytes = 1024 * 1024;

    public static IResult Error(int status, string message) =>
        Results.Json(new E2bError(status, message), E2bJsonContext.Default.E2bError, statusCode: status);

    public static IResult NotFound(string sandboxId) => Error(StatusCodes.Status404NotFound, $"sandbox \"{sandboxId}\" doesn't exist or you don't have access to it");

    public static IResult Json<T>(T value, JsonTypeInfo<T> typeInfo, int status = StatusCodes.Status200OK) =>
        Results.Json(value, typeInfo, statusCode: status);

    /// <summary>For code outside endpoints (the authentication filter) that writes the response itself.</summary>
    public static Task WriteErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new E2bError(status, message), E2bJsonContext.Default.E2bError);
    }

    /// <summary>
    /// Reads an optional JSON body: empty yields <paramref name="empty"/>; malformed JSON, a value that
    /// is not an object, or a field of the wrong type yields a 400 saying what is wrong.
    /// </summary>
    public static async Task<(T? Value, IResult? Error)> ReadBodyAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, T empty)
        where T : class
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted).ConfigureAwait(false) is var read and > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxJsonBodyBytes)
            {
                return (null, Error(StatusCodes.Status413PayloadTooLarge, $"request body is over {MaxJsonBodyBytes / 1024} KiB"));
            }
        }

        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (body.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            return (empty, null);
        }

        try
        {
            var value = JsonSerializer.Deserialize(body.Span, typeInfo);
            return value is null
                ? (null, Error(StatusCodes.Status400BadRequest, "request body must be a JSON object"))
                : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Error(StatusCodes.Status400BadRequest, "malformed JSON body: " + ex.Message));
        }
    }
}
