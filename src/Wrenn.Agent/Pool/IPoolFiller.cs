using Wrenn.Agent.Sandboxes;

namespace Wrenn.Agent.Pool;

/// <summary>
/// How the warm pool makes and removes its sandboxes; the real one (<see cref="SandboxPoolFiller"/>)
/// runs the create steps of a cold sandbox. An interface so that the pool's logic is tested with fakes.
/// </summary>
public interface IPoolFiller
{
    /// <summary>
    /// What the sandboxes of <paramref name="template"/> are made of now (image and envd binary), or
    /// null when the template cannot be used: a pooled sandbox made under another stamp is stale.
    /// </summary>
    string? Stamp(string template);

    /// <summary>Makes one running sandbox for the pool; on failure nothing of it is left and the exception propagates.</summary>
    Task<Sandbox> FillAsync(PoolKey key, CancellationToken cancellationToken);

    /// <summary>Destroys a pooled sandbox; the errors of the steps that failed.</summary>
    Task<IReadOnlyList<Exception>> DestroyAsync(Sandbox sandbox, CancellationToken cancellationToken);
}
