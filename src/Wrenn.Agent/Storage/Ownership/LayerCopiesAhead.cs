namespace Wrenn.Agent.Storage.Ownership;

/// <summary>
/// Makes each base image's id-shifted layer copy (<see cref="IdShiftedLayers"/>) in the background once
/// the agent starts, when its sandboxes run in a user namespace, so the first create after an image was
/// built or rebuilt (each new envd rebuilds it: <c>wrenn up</c>, <c>make up</c>) does not make it: the
/// minimal image's ~10,000 entries took 2.7 s of that create on a 2-core machine. A create that comes
/// during the copy waits for the same copy, not a second one. Stopping the agent cancels it (the half-made
/// copy is removed).
/// </summary>
public sealed class LayerCopiesAhead(IdShiftedLayers layers, TemplateStore templates, ImageStore images, Runtimes.IRuntime runtime, ILogger<LayerCopiesAhead> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _copying = Task.CompletedTask;

    /// <summary>Done once every image has its copy (or failed to get one, logged); for tests.</summary>
    public Task Copying => _copying;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (runtime.Capabilities is { HostRootfs: true, UserNamespace: { } owners })
        {
            _copying = Task.Run(() => CopyAllAsync(owners, _stop.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _copying.ConfigureAwait(false);
    }

    public void Dispose() => _stop.Dispose();

    private async Task CopyAllAsync(IdMapping owners, CancellationToken cancellationToken)
    {
        foreach (var image in images.List())
        {
            try
            {
                await layers.ResolveAsync(templates.ResolveLayerSources(image), owners, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or ImageNotFoundException or Os.CommandFailedException)
            {
                // Not this service's to fail the agent's start for: the first create tries again and says why.
                logger.LayerCopyAheadFailed(ex, image);
            }
        }
    }
}
