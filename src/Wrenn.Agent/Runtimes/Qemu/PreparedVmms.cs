using Microsoft.Extensions.Options;
using Wrenn.Agent.Pool;

namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>
/// At most one QEMU made ahead per VM template (issue 16): started, its saved state read, its guest not yet
/// run, so a create from the template only moves the VM's TAP into the sandbox's namespace and lets the guest
/// run (QEMU's own start and the state's load were ~150 ms of each such create under software emulation).
/// One is made after each create from a template, once no create is under way; a template's is discarded
/// when the template is removed or changed, when nobody took it for <see cref="QemuRuntimeOptions.PreparedVmmIdle"/>,
/// and at the agent's stop. An agent that died leaves its prepared VMMs as directories without a record,
/// which its next start removes as leftovers (with their QEMU, cgroup and namespace).
/// </summary>
public sealed class PreparedVmms(CreatesInFlight creates, IOptions<QemuRuntimeOptions> options, ILogger<PreparedVmms> logger) : IHostedService, IAsyncDisposable
{
    /// <summary>How long a prepared VMM waits for the creates under way before it is made beside them.</summary>
    private static readonly TimeSpan CreatesWait = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, PreparedVmm> _ready = new(StringComparer.Ordinal);
    private readonly HashSet<string> _making = new(StringComparer.Ordinal);
    private readonly List<Task> _work = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task? _expiry;

    /// <summary>How many are ready now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _ready.Count;
            }
        }
    }

    /// <summary>
    /// Takes the prepared VMM of <paramref name="template"/> if there is one of this size and version
    /// (<paramref name="stamp"/>); null otherwise. A stale one is discarded on the way.
    /// </summary>
    public async Task<PreparedVmm?> TryTakeAsync(string template, uint vcpus, uint memoryMb, string stamp)
    {
        PreparedVmm? found;
        lock (_lock)
        {
            if (!_ready.Remove(template, out found))
            {
                return null;
            }
        }

        if (found.Vcpus == vcpus && found.MemoryMb == memoryMb && found.Stamp == stamp)
        {
            return found;
        }

        await DiscardAsync(found, "its template changed").ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Makes one for <paramref name="template"/> in the background unless it has one or one is being made:
    /// <paramref name="make"/> returns it (and cleans up after itself when it fails).
    /// </summary>
    public void Want(string template, Func<CancellationToken, Task<PreparedVmm>> make)
    {
        if (!options.Value.PrepareVmms)
        {
            return;
        }

        lock (_lock)
        {
            if (_stopping.IsCancellationRequested || _ready.ContainsKey(template) || !_making.Add(template))
            {
                return;
            }

            _work.RemoveAll(t => t.IsCompleted);
            _work.Add(Task.Run(() => MakeAsync(template, make)));
        }
    }

    /// <summary>Discards those whose template directory is gone (the template was deleted or replaced).</summary>
    public async Task DiscardRemovedAsync()
    {
        foreach (var stale in TakeWhere(p => !Directory.Exists(p.Template)))
        {
            await DiscardAsync(stale, "its template was removed").ConfigureAwait(false);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _expiry = Task.Run(() => ExpireAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => DiscardAllAsync();

    /// <summary>As <see cref="StopAsync"/>: a host that never started its services (tests) still leaves no VM behind.</summary>
    public async ValueTask DisposeAsync()
    {
        await DiscardAllAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task DiscardAllAsync()
    {
        Task[] work;
        lock (_lock)
        {
            if (!_stopping.IsCancellationRequested)
            {
                _stopping.Cancel();
            }

            work = [.. _work, _expiry ?? Task.CompletedTask];
        }

        await Task.WhenAll(work).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None).ConfigureAwait(false);
        foreach (var prepared in TakeWhere(_ => true))
        {
            await DiscardAsync(prepared, "the agent stops").ConfigureAwait(false);
        }
    }

    private async Task MakeAsync(string template, Func<CancellationToken, Task<PreparedVmm>> make)
    {
        try
        {
            await creates.WaitUntilNoneAsync(CreatesWait, _stopping.Token).ConfigureAwait(false);
            var started = DateTimeOffset.UtcNow;
            var prepared = await make(_stopping.Token).ConfigureAwait(false);
            bool kept;
            lock (_lock)
            {
                // Looked at under the lock DiscardRemovedAsync takes its stale ones under, after the template's removal.
                kept = !_stopping.IsCancellationRequested && Directory.Exists(template) && _ready.TryAdd(template, prepared);
            }

            if (kept)
            {
                logger.VmmPrepared(Path.GetFileName(template), Path.GetFileName(prepared.Directory), (prepared.MadeAt - started).TotalMilliseconds);
            }
            else
            {
                await DiscardAsync(prepared, _stopping.IsCancellationRequested ? "the agent stops" : "its template was removed").ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping: make undid what it had done.
        }
        catch (Exception ex)
        {
            logger.VmmPrepareFailed(ex, Path.GetFileName(template));
        }
        finally
        {
            lock (_lock)
            {
                _making.Remove(template);
            }
        }
    }

    private async Task ExpireAsync(CancellationToken cancellationToken)
    {
        var idle = options.Value.PreparedVmmIdle;
        var every = idle < TimeSpan.FromSeconds(30) ? idle : TimeSpan.FromSeconds(30);
        try
        {
            while (true)
            {
                await Task.Delay(every, cancellationToken).ConfigureAwait(false);
                var cutoff = DateTimeOffset.UtcNow - idle;
                foreach (var old in TakeWhere(p => p.MadeAt < cutoff))
                {
                    await DiscardAsync(old, "nobody took it").ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: StopAsync discards what is left.
        }
    }

    private List<PreparedVmm> TakeWhere(Func<PreparedVmm, bool> match)
    {
        lock (_lock)
        {
            var taken = _ready.Values.Where(match).ToList();
            foreach (var prepared in taken)
            {
                _ready.Remove(prepared.Template);
            }

            return taken;
        }
    }

    /// <summary>Discards one taken with <see cref="TryTakeAsync"/> that its taker cannot use; never throws (a failure is logged).</summary>
    public async Task DiscardAsync(PreparedVmm prepared, string why)
    {
        try
        {
            await prepared.DiscardAsync().ConfigureAwait(false);
            logger.VmmDiscarded(Path.GetFileName(prepared.Directory), Path.GetFileName(prepared.Template), why);
        }
        catch (Exception ex)
        {
            logger.VmmDiscardFailed(ex, Path.GetFileName(prepared.Directory));
        }
    }
}
