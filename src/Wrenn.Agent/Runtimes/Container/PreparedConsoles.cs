using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Agent.Runtimes.Container;

/// <summary>
/// Container consoles opened ahead, one per prepared sandbox disk (<see cref="Storage.SandboxDisk"/>): the pipe and its
/// rotator (<see cref="ConsolePipe"/>) are made in the prepared directory when the disk is, and a create whose directory
/// is that one renamed takes the writing end for the OCI runtime (<see cref="TryTake"/>), so no rotator start (a setsid,
/// a shell and its open, ~6 ms) is left on its path. The rotator names its files relative to its working directory,
/// which follows the rename. The agent holds each writing end until a container takes it or its directory is discarded:
/// closing it ends the rotator (end of input, nothing written), and so does the agent's exit, a crash included, since
/// the kernel closes it then. Only a rotator someone killed is not there to take: the create then starts its own.
/// </summary>
public sealed class PreparedConsoles(IOptions<ContainerRuntimeOptions> options, ILogger<PreparedConsoles> logger) : Storage.IPreparedDirectoryCompanion, IDisposable
{
    private readonly ConcurrentDictionary<string, SafeFileHandle> _writingEnds = new(StringComparer.Ordinal);

    /// <summary>How many wait for a container (tests).</summary>
    public int Count => _writingEnds.Count;

    public async Task StartAsync(string directory, CancellationToken cancellationToken)
    {
        var writingEnd = await ConsolePipe.OpenAsync(directory, options.Value.ConsoleLogBytes, cancellationToken).ConfigureAwait(false);
        if (!_writingEnds.TryAdd(Key(directory), writingEnd))
        {
            writingEnd.Dispose();
            throw new InvalidOperationException($"{directory} has a console opened ahead already");
        }
    }

    public void Moved(string from, string to)
    {
        if (!_writingEnds.TryRemove(Key(from), out var writingEnd))
        {
            return;
        }

        // The rotator of what was just moved is the one writing in the directory now: one held for that name before
        // (a directory since discarded) is stale.
        _writingEnds.AddOrUpdate(Key(to), writingEnd, (_, stale) =>
        {
            stale.Dispose();
            return writingEnd;
        });
    }

    /// <summary>
    /// Closes the writing end held for <paramref name="directory"/>; without one, wakes a rotator still waiting in its
    /// pipe's open (an agent killed while starting it: the kernel closed nothing it had not opened yet).
    /// </summary>
    public void End(string directory)
    {
        if (_writingEnds.TryRemove(Key(directory), out var writingEnd))
        {
            writingEnd.Dispose();
            return;
        }

        var pipe = ConsoleLog.PathIn(directory) + ConsolePipe.PipeSuffix;
        if (File.Exists(pipe))
        {
            ConsolePipe.Abandon(pipe);
        }
    }

    /// <summary>
    /// The writing end of the console opened ahead in <paramref name="sandboxDirectory"/>, now the caller's; null when
    /// there is none (the directory was not a prepared disk's) or its rotator is gone.
    /// </summary>
    public SafeFileHandle? TryTake(string sandboxDirectory)
    {
        if (!_writingEnds.TryRemove(Key(sandboxDirectory), out var writingEnd))
        {
            return null;
        }

        if (ConsolePipe.HasReader(writingEnd))
        {
            return writingEnd;
        }

        writingEnd.Dispose();
        logger.PreparedConsoleRotatorGone(sandboxDirectory);
        return null;
    }

    public void Dispose()
    {
        foreach (var directory in _writingEnds.Keys)
        {
            End(directory);
        }
    }

    private static string Key(string directory) => Path.GetFullPath(directory);
}
