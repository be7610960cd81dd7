namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// Told when a sandbox starts or stops taking work (paused, resumed or killed by a caller, the waker, its
/// end time or the reconciler).
/// Whatever remembers where a sandbox runs (the traffic proxy's lookup cache) forgets it at once: a
/// frozen container still accepts TCP connections and would hold a request until the proxy's idle
/// timeout, instead of the request waking the sandbox or getting a 502; and a resumed sandbox must not
/// keep answering "paused" from the cache.
/// </summary>
public interface ISandboxStateListener
{
    void StateChanged(string sandboxId);
}
