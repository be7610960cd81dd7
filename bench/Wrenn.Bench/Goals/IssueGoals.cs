namespace Wrenn.Bench.Goals;

/// <summary>
/// Issue 16's "Goals" table as data, the only place its targets and "today" figures live. Today's figures
/// were measured by the issue's author on main before the speed work, through the REST API on a 2-core
/// machine; the bench prints them beside the new figures, it does not re-measure them.
/// </summary>
public static class IssueGoals
{
    public static IReadOnlyList<Goal> All { get; } =
    [
        new("warm-create", "warm_create_p50", "API create, warm pool hit", "ms", TargetKind.AtMost, 25, "≤ 25 ms", "318 ms"),
        new("warm-first-exec", "warm_first_exec_p50", "create → first exec output, warm", "ms", TargetKind.AtMost, 40, "≤ 40 ms", "345 ms"),
        new("cold-first-exec", "cold_first_exec_p50", "create → first exec output, pool off (cold)", "ms", TargetKind.RatioAtMost, 1.0, "≤ 1.0× bare runc run + netns", "1.85–2.3×"),
        new("concurrent", "concurrent_p99", "20 creates at once: p99", "ms", TargetKind.AtMost, 1500, "≤ 1.5 s", "5.9 s"),
        new("concurrent", "concurrent_rate", "20 creates at once: creates/s", "/s", TargetKind.AtLeast, 20, "≥ 20/s while the pool lasts", "3.4/s"),
        new("exec-true", "exec_true_p50", "`exec true` round trip through the API", "ms", TargetKind.OverBaselineAtMost, 5, "≤ 5 ms over local fork/exec", "~16–32 ms"),
        new("pause-resume", "pause_p50", "pause (container) through the API", "ms", TargetKind.AtMost, 10, "≤ 10 ms", "~36 ms"),
        new("pause-resume", "resume_p50", "resume (container) through the API", "ms", TargetKind.AtMost, 10, "≤ 10 ms", "~36 ms"),
        new("envd", "envd_start_to_health_p50", "envd start → first /health", "ms", TargetKind.AtMost, 20, "≤ 20 ms", "27–96 ms"),
        new("envd", "envd_idle_rss", "envd idle RSS", "MB", TargetKind.AtMost, 12, "≤ 12 MB", "21.5 MB"),
        new("idle-cost", "idle_cost_per_sandbox", "idle cost per sandbox", "MiB", TargetKind.AtMost, 5, "≤ 5 MiB (≥ 200 per GiB)", "10.3 MiB"),
        new("qemu", "qemu_create_from_template_p50", "QEMU (TCG): create from a template", "ms", TargetKind.AtMost, 500, "≤ 0.5 s", "2.3 s"),
        new("qemu", "qemu_pause_p50", "QEMU (TCG): pause", "ms", TargetKind.AtMost, 300, "≤ 0.3 s", "0.7–1.2 s"),
    ];

    public static Goal Get(string key) => All.Single(g => g.Key == key);
}
