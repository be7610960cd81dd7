namespace Wrenn.Agent.Operations;

/// <summary>
/// A seam for failure-injection tests: consulted after every step of a multi-step operation has done its
/// work, so a test can make step N fail and check that the rollback undoes steps 1..N completely.
/// Production uses <see cref="NoStepFaults"/>.
/// </summary>
public interface IStepFaults
{
    /// <summary>Throws to fail the operation right after <paramref name="stepName"/> completed.</summary>
    void AfterStep(string operation, string stepName);
}
