namespace Wrenn.Envd.Http;

/// <summary>envd's HTTP error responses: <c>{"message","code"}</c> with the status in both.</summary>
public static class FileResults
{
    public static IResult Error(int status, string message) =>
        Results.Json(new FileError(message, status), EnvdJsonContext.Default.FileError, statusCode: status);
}
