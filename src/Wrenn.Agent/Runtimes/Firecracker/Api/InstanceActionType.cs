namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>The <c>action_type</c> of <c>PUT /actions</c>.</summary>
public enum InstanceActionType
{
    /// <summary>Boots the configured microVM; ends the pre-boot phase.</summary>
    InstanceStart,

    /// <summary>x86 only, post-boot: presses Ctrl+Alt+Del on the guest's i8042 so it can shut down cleanly.</summary>
    SendCtrlAltDel,

    /// <summary>Post-boot: writes the metrics now rather than at the next periodic flush.</summary>
    FlushMetrics,
}
