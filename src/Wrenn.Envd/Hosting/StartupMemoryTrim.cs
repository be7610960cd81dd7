using Microsoft.Extensions.Options;

namespace Wrenn.Envd.Hosting;

/// <summary>
/// Building the host and serving the first calls leave megabytes of garbage in envd's heap, and the
/// GC keeps those pages resident until its next collection, which an idle envd never reaches. Every
/// sandbox runs one envd, so once, shortly after the start, one aggressive collection hands them back
/// to the kernel.
/// </summary>
public sealed class StartupMemoryTrim(IOptions<EnvdOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(options.Value.MemoryTrimDelay, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Collect();
    }

    /// <summary>One aggressive, compacting collection of the whole heap, which hands its free pages back to the kernel.</summary>
    public static void Collect() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
}
