namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>Tells every registered <see cref="ISandboxStateListener"/> at once.</summary>
public static class SandboxStateListenerExtensions
{
    public static void StateChanged(this IEnumerable<ISandboxStateListener> listeners, string sandboxId)
    {
        foreach (var listener in listeners)
        {
            listener.StateChanged(sandboxId);
        }
    }
}
