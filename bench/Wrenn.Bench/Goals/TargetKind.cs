namespace Wrenn.Bench.Goals;

/// <summary>How a goal's figure is judged against its target.</summary>
public enum TargetKind
{
    /// <summary>The figure (ms, MB, MiB, s) must be at most the target.</summary>
    AtMost,

    /// <summary>The figure must be at least the target (a rate).</summary>
    AtLeast,

    /// <summary>The figure divided by its baseline must be at most the target.</summary>
    RatioAtMost,

    /// <summary>The figure minus its baseline (ms) must be at most the target.</summary>
    OverBaselineAtMost,
}
