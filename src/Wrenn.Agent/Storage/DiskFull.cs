using Wrenn.Agent.Os;
using Wrenn.Common.Errors;

namespace Wrenn.Agent.Storage;

/// <summary>
/// Whether a failure came from a full disk (ENOSPC) anywhere under it: a file the agent wrote, or a tool
/// (cp, mkfs, tar, runc…) that said so on stderr. Such a failure is the host's, not the request's: the
/// control plane answers 507 instead of an internal error with an id.
/// </summary>
public static class DiskFull
{
    /// <summary>What the caller is told; the full error (with host paths) goes to the agent's log.</summary>
    public const string Message = "the host's disk holding $WRENN_DIR is full; nothing was made (free space on the host, then retry)";

    public static bool Caused(Exception exception)
    {
        var pending = new Stack<Exception>();
        pending.Push(exception);
        while (pending.TryPop(out var current))
        {
            // envd's errors are about the sandbox's own disk (its cap), which is the sandbox's business.
            if (current is Envd.EnvdCallException)
            {
                continue;
            }

            if (NoSpaceLeft.IsErrno(current)
                || (current is CommandFailedException failed && NoSpaceLeft.Says(failed.Result.StandardError + failed.Result.StandardOutput))
                || NoSpaceLeft.Says(current.Message))
            {
                return true;
            }

            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (current.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }

        return false;
    }
}
