using System.Diagnostics;
using Wrenn.Agent.Sandboxes;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Agent.Pool;

/// <summary>
/// Has a pooled sandbox's envd start one process that exits at once (<c>true</c> as a shell line, as the
/// default user), before the pool hands the sandbox out. A fresh envd's first process costs more than its
/// later ones (its process machinery, the user's lookup, the shell and its libraries looked up for the
/// first time in this sandbox's root); without this, the claimer's first exec paid that on the clock.
/// It leaves nothing the claimer sees: the process has exited before the claim, and the claim replaces
/// the token it ran with.
/// </summary>
public sealed class PooledEnvdWarmer(ISandboxEnvd envd, ILogger<PooledEnvdWarmer> logger)
{
    /// <summary>A shell line (a command without arguments): envd runs it through the login shell, which the first exec most often is.</summary>
    public const string Command = "true";

    /// <summary>Longer than any healthy envd needs; a warm-up is never worth holding a refill for.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs the warm-up process. Never throws: a sandbox whose warm-up failed (a template without a shell)
    /// is as usable as before, only its first exec is not sped up. True when the process ran and exited 0.
    /// </summary>
    public async Task<bool> WarmAsync(Sandbox sandbox, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            budget.CancelAfter(Timeout);
            int? exitCode = null;
            var request = new StartRequest { Process = new ProcessConfig { Cmd = Command } };
            await foreach (var processEvent in envd.StartProcessAsync(sandbox.Envd, request, user: null, Timeout, budget.Token).ConfigureAwait(false))
            {
                if (processEvent.EventCase == ProcessEvent.EventOneofCase.End)
                {
                    exitCode = processEvent.End.ExitCode;
                }
            }

            if (exitCode == 0)
            {
                logger.PooledEnvdWarmed(sandbox.Id, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return true;
            }

            logger.PooledEnvdWarmUpFailed(sandbox.Id, exitCode is { } code ? $"it exited {code}" : "envd sent no end event");
            return false;
        }
        catch (Exception ex)
        {
            logger.PooledEnvdWarmUpFailed(sandbox.Id, ex.Message);
            return false;
        }
    }
}
