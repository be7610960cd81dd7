using Google.Protobuf;
using Grpc.Core;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>
/// One connection to a sandbox port carried by its agent's OpenPort call, as the stream the proxy's
/// HTTP client reads and writes. Failures of the call surface as <see cref="IOException"/>, which the
/// forwarder reports like any broken connection.
/// </summary>
public sealed class AgentTunnelStream(AsyncDuplexStreamingCall<Agent.OpenPortRequest, Agent.OpenPortResponse> call) : Stream
{
    private ReadOnlyMemory<byte> _pending;
    private bool _disposed;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Opens the tunnel: the first message names the sandbox and port.</summary>
    public static async Task<AgentTunnelStream> OpenAsync(AsyncDuplexStreamingCall<Agent.OpenPortRequest, Agent.OpenPortResponse> call, string sandboxId, int port, CancellationToken cancellationToken)
    {
        try
        {
            await call.RequestStream.WriteAsync(new Agent.OpenPortRequest { SandboxId = sandboxId, Port = (uint)port }, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            call.Dispose();
            throw new IOException($"the agent refused the tunnel: {ex.Status.Detail}", ex);
        }

        return new AgentTunnelStream(call);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_pending.IsEmpty)
        {
            try
            {
                if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    return 0;
                }
            }
            catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
            {
                throw new IOException($"tunnel through the agent failed: {ex.Status.Detail}", ex);
            }

            _pending = call.ResponseStream.Current.Data.Memory;
        }

        var count = Math.Min(buffer.Length, _pending.Length);
        _pending[..count].CopyTo(buffer);
        _pending = _pending[count..];
        return count;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            await call.RequestStream.WriteAsync(new Agent.OpenPortRequest { Data = ByteString.CopyFrom(buffer.Span) }, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw new IOException($"tunnel through the agent failed: {ex.Status.Detail}", ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new IOException("tunnel through the agent is closed", ex);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            call.Dispose();
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            call.Dispose();
        }

        base.Dispose(disposing);
    }
}
