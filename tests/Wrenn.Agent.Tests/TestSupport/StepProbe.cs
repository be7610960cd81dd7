using Wrenn.Agent.Operations;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>Calls <see cref="OnStep"/> after every step (operation, step name): a test looks at the state there, or throws to fail the operation.</summary>
public sealed class StepProbe : IStepFaults
{
    public Action<string, string>? OnStep { get; set; }

    public void AfterStep(string operation, string stepName) => OnStep?.Invoke(operation, stepName);
}
