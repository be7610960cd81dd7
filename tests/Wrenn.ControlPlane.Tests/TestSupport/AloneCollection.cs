namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>
/// Tests that read this process's meters run with no other control plane alive: every in-process control
/// plane publishes instruments of the same names, and OpenTelemetry records only the first of a name it
/// sees, which may be another control plane's (the create test then saw only others' requests).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "telemetry, alone in the process";
}
