namespace Wrenn.Envd.Http;

/// <summary>A /files/compose request that cannot be carried out, with the status E2B's envd answers it with.</summary>
public sealed class ComposeRefusedException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
