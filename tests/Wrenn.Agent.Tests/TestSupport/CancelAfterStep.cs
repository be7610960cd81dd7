using Wrenn.Agent.Operations;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>Cancels the caller's token right after the named step, as a client that hangs up would.</summary>
public sealed class CancelAfterStep(string stepName, CancellationTokenSource caller) : IStepFaults
{
    public void AfterStep(string operation, string step)
    {
        if (step == stepName)
        {
            caller.Cancel();
        }
    }
}
