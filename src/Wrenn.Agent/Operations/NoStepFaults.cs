namespace Wrenn.Agent.Operations;

/// <summary>The production <see cref="IStepFaults"/>: never fails anything.</summary>
public sealed class NoStepFaults : IStepFaults
{
    public void AfterStep(string operation, string stepName)
    {
    }
}
