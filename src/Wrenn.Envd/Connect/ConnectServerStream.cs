using Google.Protobuf;

namespace Wrenn.Envd.Connect;

/// <summary>Sends the messages of a server stream, each in its own envelope, flushed at once.</summary>
public sealed class ConnectServerStream<T>(HttpResponse response, ConnectWireFormat format)
    where T : IMessage<T>
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    /// <summary>Messages sent so far.</summary>
    public int Sent { get; private set; }

    /// <summary>Safe to call from several tasks; messages go out whole and in call order.</summary>
    public async Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        var payload = format.Serialize(message);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ConnectEnvelope.WriteAsync(response.Body, 0, payload, cancellationToken).ConfigureAwait(false);
            Sent++;
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
