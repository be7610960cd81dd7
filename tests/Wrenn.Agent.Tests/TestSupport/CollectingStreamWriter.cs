using Grpc.Core;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>A response stream that keeps every message, as a client that read them all.</summary>
public sealed class CollectingStreamWriter<T> : IServerStreamWriter<T>
    where T : class
{
    public List<T> Messages { get; } = [];

    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

    /// <summary>What the agent's streaming methods call (the interface's default refuses a token).</summary>
    public Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Messages.Add(message);
        return Task.CompletedTask;
    }
}
