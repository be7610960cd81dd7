using Wrenn.Agent.Runtimes.Container;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// The real cgroup freezer, except that the next freeze or thaw the test arms fails once: a freeze
/// either before it acts or after it froze everything (the harder case: the sandbox is frozen and the
/// caller was told it failed).
/// </summary>
public sealed class FailingFreezer : IContainerFreezer
{
    private readonly CgroupFreezer _inner = new();
    private bool? _failFreezeAfterFreezing;
    private bool _failThaw;

    public void FailNextFreeze(bool afterFreezing) => _failFreezeAfterFreezing = afterFreezing;

    public void FailNextThaw() => _failThaw = true;

    public async Task FreezeAsync(string cgroupPath, CancellationToken cancellationToken)
    {
        if (_failFreezeAfterFreezing is { } after)
        {
            _failFreezeAfterFreezing = null;
            if (after)
            {
                await _inner.FreezeAsync(cgroupPath, cancellationToken);
            }

            throw new IOException("injected failure: freeze");
        }

        await _inner.FreezeAsync(cgroupPath, cancellationToken);
    }

    public Task ThawAsync(string cgroupPath, CancellationToken cancellationToken)
    {
        if (_failThaw)
        {
            _failThaw = false;
            throw new IOException("injected failure: thaw");
        }

        return _inner.ThawAsync(cgroupPath, cancellationToken);
    }
}
