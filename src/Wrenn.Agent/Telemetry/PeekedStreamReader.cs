using Grpc.Core;

namespace Wrenn.Agent.Telemetry;

/// <summary>
/// A request stream whose first message was already read (to learn which sandbox a streaming call is
/// about before its handler runs): the first MoveNext hands out that message, which the inner reader
/// still holds as its Current, then the rest of the stream follows.
/// </summary>
public sealed class PeekedStreamReader<T>(IAsyncStreamReader<T> inner, bool hasFirst) : IAsyncStreamReader<T>
    where T : class
{
    private bool _firstPending = hasFirst;

    public T Current => inner.Current;

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (_firstPending)
        {
            _firstPending = false;
            return Task.FromResult(true);
        }

        return inner.MoveNext(cancellationToken);
    }
}
