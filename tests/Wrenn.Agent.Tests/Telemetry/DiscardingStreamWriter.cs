using Grpc.Core;

namespace Wrenn.Agent.Tests.Telemetry;

/// <summary>A response stream nobody reads: the scope tests look at log lines, not responses.</summary>
public sealed class DiscardingStreamWriter<T> : IServerStreamWriter<T>
    where T : class
{
    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(T message) => Task.CompletedTask;
}
