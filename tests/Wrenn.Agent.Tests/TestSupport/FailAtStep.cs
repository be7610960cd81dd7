using Wrenn.Agent.Operations;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>Fails the operation right after its <c>n</c>-th step (1-based) completed.</summary>
public sealed class FailAtStep(int stepNumber) : IStepFaults
{
    private int _seen;

    /// <summary>The step after which the fault fired, or null when the operation had fewer steps.</summary>
    public string? FailedStep { get; private set; }

    public void AfterStep(string operation, string stepName)
    {
        if (Interlocked.Increment(ref _seen) == stepNumber)
        {
            FailedStep = stepName;
            throw new InjectedFaultException($"injected failure after step {stepNumber} ({stepName}) of {operation}");
        }
    }
}
