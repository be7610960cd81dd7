using Grpc.Core;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// Passes an archive (a template's or a paused sandbox's) from one host's export stream into another
/// host's import call, chunk by chunk, without holding it: the header first, then every chunk as it
/// comes. On any failure the transfer is cancelled, so the receiving host drops what it has.
/// </summary>
public static class ArchiveRelay
{
    /// <param name="export">The sending host's stream, its header already read.</param>
    /// <param name="header">The import call's first message, made from that header.</param>
    /// <param name="chunk">The import message carrying one export message's chunk.</param>
    public static async Task<ArchiveRelayOutcome<TAnswer>> RelayAsync<TExport, TImport, TAnswer>(
        IAsyncStreamReader<TExport> export,
        AsyncClientStreamingCall<TImport, TAnswer> import,
        TImport header,
        Func<TExport, TImport> chunk,
        CancellationTokenSource transfer)
        where TAnswer : class
    {
        try
        {
            await import.RequestStream.WriteAsync(header, transfer.Token).ConfigureAwait(false);
            while (true)
            {
                bool more;
                try
                {
                    more = await export.MoveNext(transfer.Token).ConfigureAwait(false);
                }
                catch (RpcException ex)
                {
                    // Cut short: the receiving host drops what it has when its call is cancelled.
                    await transfer.CancelAsync().ConfigureAwait(false);
                    return ArchiveRelayOutcome<TAnswer>.SourceFailed(ex);
                }

                if (!more)
                {
                    break;
                }

                await import.RequestStream.WriteAsync(chunk(export.Current), transfer.Token).ConfigureAwait(false);
            }

            await import.RequestStream.CompleteAsync().ConfigureAwait(false);
            return ArchiveRelayOutcome<TAnswer>.Delivered(await import.ResponseAsync.ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // A write to a call the host already ended fails without its status; the response has it.
            var status = ex as RpcException ?? await StatusOfAsync(import).ConfigureAwait(false);
            await transfer.CancelAsync().ConfigureAwait(false);
            return ArchiveRelayOutcome<TAnswer>.Refused(status);
        }
    }

    private static async Task<RpcException?> StatusOfAsync<TImport, TAnswer>(AsyncClientStreamingCall<TImport, TAnswer> import)
    {
        try
        {
            await import.ResponseAsync.ConfigureAwait(false);
            return null;
        }
        catch (RpcException ex)
        {
            return ex;
        }
    }
}
