namespace Wrenn.Agent.Envd;

/// <summary>
/// A read of envd's answer. One that broke off (envd died while it answered: the connection was reset, or
/// closed inside a chunk) is envd's failure, the sandbox's, not a file error of the agent's.
/// </summary>
internal static class EnvdAnswerReads
{
    public static async ValueTask<int> ReadAsync(Stream answer, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await answer.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new EnvdProtocolException("envd's stream broke off: " + ex.Message, ex);
        }
    }
}
