namespace Wrenn.Agent.Envd;

/// <summary>
/// What envd's /init answered: its E2B version (null when it named none or a forged one), and the
/// hostname it gave its guest when asked to and able to (a VM's envd of this build); null otherwise, and
/// the caller names the guest another way.
/// </summary>
public sealed record EnvdInitAnswer(string? Version, string? NamedAs);
