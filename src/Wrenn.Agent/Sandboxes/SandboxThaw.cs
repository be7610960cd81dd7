using Wrenn.Agent.Runtimes;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// Continues a sandbox that an operation froze (a pause that failed half-way, a snapshot's copy), so
/// it is never left frozen while reported running.
/// </summary>
public sealed class SandboxThaw(IRuntime runtime, SandboxTable table, SandboxTeardown teardown, ILogger<SandboxThaw> logger)
{
    /// <summary>The state the sandbox is in afterwards: running, or error when it could not be continued.</summary>
    public async Task<SandboxState> ThawOrMarkErrorAsync(Sandbox sandbox)
    {
        try
        {
            using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await runtime.ResumeAsync(sandbox.Runtime!, budget.Token).ConfigureAwait(false);
            return SandboxState.Running;
        }
        catch (Exception ex) when (runtime.Capabilities.MemorySnapshots)
        {
            // A VM that stays stopped holds its memory and answers nobody: it is removed, never left to look alive.
            logger.ContinueFailedDestroying(ex, sandbox.Id);
            using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var errors = await teardown.TearDownAsync(sandbox, budget.Token).ConfigureAwait(false);
            if (errors.Count == 0)
            {
                table.Remove(sandbox);
            }
            else
            {
                logger.ContinueDestroyIncomplete(new AggregateException(errors), sandbox.Id);
            }

            return SandboxState.Error;
        }
        catch (Exception ex)
        {
            logger.ThawFailed(ex, sandbox.Id);
            return SandboxState.Error;
        }
    }
}
