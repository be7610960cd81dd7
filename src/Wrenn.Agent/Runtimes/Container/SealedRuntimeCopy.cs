using Wrenn.Agent.Os;

namespace Wrenn.Agent.Runtimes.Container;

/// <summary>
/// crun as its runs start it: from a sealed copy in memory (<see cref="OciRuntimeChoice.FromSealedCopy"/>), made
/// again when crun's file is replaced. A package upgrade puts a new file under the old name; without this, new
/// sandboxes would go on starting under the old crun until the agent restarted. Whether the file changed is one
/// statx per run (a change of its inode's change time alone, a chmod, makes a copy too); the new copy is made, and
/// tried the way runs start it, by the first run after the change, while the others start from the last one. A copy
/// that cannot be made or does not start leaves the runs on the last good one (logged; tried once per version of the
/// file). Earlier copies stay open until the agent stops (one per upgrade), since a run may still be starting from one.
/// </summary>
internal sealed class SealedRuntimeCopy : IDisposable
{
    private readonly OciInvocation _fromFile;
    private readonly Func<OciInvocation, bool> _starts;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly List<SealedExecutable> _copies;
    private FileIdentity? _source;
    private OciInvocation _current;
    private int _refreshing;

    private SealedRuntimeCopy(OciInvocation fromFile, OciInvocation fromCopy, SealedExecutable copy, FileStatus? source, Func<OciInvocation, bool> starts, ILogger logger)
    {
        _fromFile = fromFile;
        _current = fromCopy;
        _copies = [copy];
        _source = source is { } status ? FileIdentity.Of(status) : null;
        _starts = starts;
        _logger = logger;
    }

    /// <summary>
    /// The first copy of <paramref name="fromFile"/>'s file, tried with <paramref name="starts"/> (the way runs start
    /// it: <see cref="OciRuntimeChoice.Starts"/>); <paramref name="logger"/> hears of later copies. Null, with why,
    /// where the runtime is not crun or its copy cannot be made or does not start: runs then start from the file.
    /// </summary>
    public static (SealedRuntimeCopy? Copy, string? WhyNot) Make(OciInvocation fromFile, Func<OciInvocation, bool> starts, ILogger logger)
    {
        // The file's identity before the copy is made from it: a change meanwhile makes the first run copy again.
        var source = FileStatus.OfPath(fromFile.Executable);
        var (fromCopy, copy, whyNot) = OciRuntimeChoice.FromSealedCopy(fromFile, starts);
        return copy is null ? (null, whyNot) : (new SealedRuntimeCopy(fromFile, fromCopy, copy, source, starts, logger), null);
    }

    /// <summary>
    /// The runtime to start a run with: from the copy of crun's file as it is now. The run that first sees the file
    /// changed makes the new copy; runs meanwhile start from the last one, so no create waits for another's copy.
    /// </summary>
    public OciInvocation Current
    {
        get
        {
            // A file that cannot be looked at (in the middle of its replacement) keeps the last copy.
            if (Identify() is not { } now || now == Source)
            {
                return Latest;
            }

            if (Interlocked.CompareExchange(ref _refreshing, 1, 0) == 0)
            {
                try
                {
                    Refresh();
                }
                finally
                {
                    Volatile.Write(ref _refreshing, 0);
                }
            }

            return Latest;
        }
    }

    private FileIdentity? Source
    {
        get
        {
            lock (_gate)
            {
                return _source;
            }
        }
    }

    private OciInvocation Latest
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var copy in _copies)
            {
                copy.Dispose();
            }

            _copies.Clear();
        }
    }

    private void Refresh()
    {
        // The file as it is just before the copy is made from it (what a caller saw may be older already).
        if (Identify() is not { } source || source == Source)
        {
            return;
        }

        var (oci, copy, whyNot) = OciRuntimeChoice.FromSealedCopy(_fromFile, _starts);
        lock (_gate)
        {
            // Tried once per version of the file, whatever came of it.
            _source = source;
            if (copy is not null)
            {
                _copies.Add(copy);
                _current = oci;
            }
        }

        if (copy is null)
        {
            _logger.OciRuntimeCopyNotRefreshed(_fromFile.Runtime, _fromFile.Executable, Latest.Executable, whyNot ?? "no copy was made");
        }
        else
        {
            _logger.OciRuntimeCopyRefreshed(_fromFile.Runtime, _fromFile.Executable, oci.Executable);
        }
    }

    private FileIdentity? Identify() => FileStatus.OfPath(_fromFile.Executable) is { } status ? FileIdentity.Of(status) : null;
}
