using Wrenn.Agent.Envd;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// What the sandbox lifecycle needs of a sandbox's envd (<see cref="EnvdClient"/>): readiness, /init
/// and one process. An interface so that claim and recovery logic run in tests without a sandbox.
/// </summary>
public interface ISandboxEnvd
{
    /// <summary>Waits until envd answers /health; returns the E2B envd version it names.</summary>
    Task<string?> WaitUntilHealthyAsync(Uri envd, TimeSpan timeout, Func<CancellationToken, Task<bool>> stillStarting, CancellationToken cancellationToken);

    /// <summary>
    /// POST /init, authorized by <paramref name="currentToken"/>, which <paramref name="accessToken"/> replaces;
    /// with <paramref name="hostname"/>, a VM's envd names its guest too (the answer says whether it did).
    /// </summary>
    Task<EnvdInitAnswer> InitAsync(Uri envd, string currentToken, string accessToken, IReadOnlyDictionary<string, string> environment, string defaultUser, string? hostname, CancellationToken cancellationToken);

    /// <summary>Starts a process and yields its events until it ends.</summary>
    IAsyncEnumerable<ProcessEvent> StartProcessAsync(EnvdEndpoint envd, StartRequest request, string? user, TimeSpan? processTimeout, CancellationToken cancellationToken);
}
