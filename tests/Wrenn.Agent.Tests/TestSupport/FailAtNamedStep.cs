using Wrenn.Agent.Operations;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>Fails every operation right after the step named <paramref name="stepName"/>.</summary>
public sealed class FailAtNamedStep(string stepName) : IStepFaults
{
    public int Fired;

    public void AfterStep(string operation, string step)
    {
        if (step == stepName)
        {
            Interlocked.Increment(ref Fired);
            throw new InjectedFaultException($"injected failure after {step} of {operation}");
        }
    }
}
