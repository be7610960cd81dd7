namespace Wrenn.Cli.Api;

/// <summary>The API answered with an error envelope (or could not be reached: status 0).</summary>
public sealed class WrennApiException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;
}
