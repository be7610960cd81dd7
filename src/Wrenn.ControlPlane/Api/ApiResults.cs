using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Wrenn.ControlPlane.Api.Contracts;

namespace Wrenn.ControlPlane.Api;

/// <summary>Writes the API's responses: JSON with the source-generated context, errors in the envelope.</summary>
public static class ApiResults
{
    /// <summary>JSON bodies are small; anything bigger is a mistake or an attack (files have their own endpoints).</summary>
    public const int MaxJsonBodyBytes = 1024 * 1024;

    public static IResult Error(int status, string code, string message) =>
        Results.Json(new ApiErrorBody(new ApiError(code, message)), ControlPlaneJsonContext.Default.ApiErrorBody, statusCode: status);

    /// <summary>429 quota_exceeded: <paramref name="what"/> says which limit the request would pass.</summary>
    public static IResult QuotaExceeded(string what) =>
        Error(StatusCodes.Status429TooManyRequests, Common.Errors.ErrorCodes.QuotaExceeded, what + "; delete some, or ask an administrator to raise the team's quota");

    public static IResult Json<T>(T value, JsonTypeInfo<T> typeInfo, int status = StatusCodes.Status200OK) =>
        Results.Json(value, typeInfo, statusCode: status);

    /// <summary>429 rate_limited with Retry-After (whole seconds, at least 1).</summary>
    public static IResult TooManyRequests(HttpContext context, TimeSpan retryAfter, string message)
    {
        SetRetryAfter(context, retryAfter);
        return Error(StatusCodes.Status429TooManyRequests, Common.Errors.ErrorCodes.RateLimited, message);
    }

    public static void SetRetryAfter(HttpContext context, TimeSpan retryAfter) =>
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>For code outside endpoints (authentication, middleware) that writes to the response directly.</summary>
    public static Task WriteErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ApiErrorBody(new ApiError(code, message)), ControlPlaneJsonContext.Default.ApiErrorBody);
    }

    /// <summary>
    /// Reads a JSON body. An empty body yields <paramref name="empty"/>; malformed JSON or unknown fields
    /// yield a 400 envelope that says what is wrong.
    /// </summary>
    public static async Task<(T? Value, IResult? Error)> ReadBodyAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, T empty)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted).ConfigureAwait(false) is var read and > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxJsonBodyBytes)
            {
                return (default, Error(StatusCodes.Status413PayloadTooLarge, Common.Errors.ErrorCodes.PayloadTooLarge, $"request body is over {MaxJsonBodyBytes / 1024} KiB"));
            }
        }

        var body = buffer.ToArray();
        if (body.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return (empty, null);
        }

        try
        {
            var value = JsonSerializer.Deserialize(body, typeInfo);
            return value is null
                ? (default, Error(StatusCodes.Status400BadRequest, Common.Errors.ErrorCodes.BadRequest, "request body must be a JSON object"))
                : (value, null);
        }
        catch (JsonException ex)
        {
            return (default, Error(StatusCodes.Status400BadRequest, Common.Errors.ErrorCodes.BadRequest, "malformed JSON body: " + ex.Message));
        }
    }
}
