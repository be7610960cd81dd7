namespace Wrenn.Bench.Platform;

/// <summary>Which platform a measurement needs; rows are run grouped by it so each is started once.</summary>
public enum PlatformKind
{
    /// <summary>No platform: the measurement starts what it needs itself (envd alone).</summary>
    None,

    /// <summary>Container runtime, warm pool off: every create takes the cold path.</summary>
    Cold,

    /// <summary>Container runtime with WRENN_WARM_POOL=minimal=N.</summary>
    Warm,

    /// <summary>QEMU runtime (software emulation on this machine).</summary>
    Qemu,
}
