using System.Threading.Channels;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Envd.Process;

/// <summary>
/// Hands a process's output to every stream attached to it (the one that started it, and any that
/// connected later), each through its own small bounded buffer. Publishing waits for the slowest
/// subscriber, which is what slows a too-fast process down; with no subscriber the output is dropped,
/// because a process outlives its streams.
/// </summary>
public sealed class OutputBroadcast(int bufferChunks)
{
    private readonly Lock _gate = new();
    private readonly List<Subscription> _subscriptions = [];
    private bool _completed;

    /// <summary>A new subscriber's view of the output from now on; dispose it to stop receiving.</summary>
    public Subscription Subscribe()
    {
        var subscription = new Subscription(this, Channel.CreateBounded<ProcessEvent.Types.DataEvent>(new BoundedChannelOptions(bufferChunks)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        }));
        lock (_gate)
        {
            if (_completed)
            {
                subscription.Complete();
            }
            else
            {
                _subscriptions.Add(subscription);
            }
        }

        return subscription;
    }

    /// <summary>Passes one chunk to every subscriber, waiting while any of them has no room.</summary>
    public async Task PublishAsync(ProcessEvent.Types.DataEvent data)
    {
        Subscription[] current;
        lock (_gate)
        {
            current = [.. _subscriptions];
        }

        foreach (var subscription in current)
        {
            await subscription.OfferAsync(data).ConfigureAwait(false);
        }
    }

    /// <summary>No more output: every subscriber's stream ends once it has read what is buffered.</summary>
    public void Complete()
    {
        Subscription[] current;
        lock (_gate)
        {
            _completed = true;
            current = [.. _subscriptions];
            _subscriptions.Clear();
        }

        foreach (var subscription in current)
        {
            subscription.Complete();
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            _subscriptions.Remove(subscription);
        }
    }

    /// <summary>One subscriber's buffer.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly OutputBroadcast _owner;
        private readonly Channel<ProcessEvent.Types.DataEvent> _channel;
        private readonly CancellationTokenSource _gone = new();

        internal Subscription(OutputBroadcast owner, Channel<ProcessEvent.Types.DataEvent> channel)
        {
            _owner = owner;
            _channel = channel;
        }

        public ChannelReader<ProcessEvent.Types.DataEvent> Reader => _channel.Reader;

        public void Dispose()
        {
            _owner.Remove(this);
            _gone.Cancel();
            _channel.Writer.TryComplete();
            _gone.Dispose();
        }

        internal async Task OfferAsync(ProcessEvent.Types.DataEvent data)
        {
            try
            {
                await _channel.Writer.WriteAsync(data, _gone.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException or ObjectDisposedException)
            {
                // The subscriber left while we waited for room.
            }
        }

        internal void Complete() => _channel.Writer.TryComplete();
    }
}
