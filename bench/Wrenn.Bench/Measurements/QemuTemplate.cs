using System.Diagnostics;
using Wrenn.Bench.Platform;
using Wrenn.Bench.Report;
using Wrenn.Tests.Shared;

namespace Wrenn.Bench.Measurements;

/// <summary>
/// The QEMU runtime under software emulation (no KVM here): a 256 MiB VM booted once, made into a
/// template, then sandboxes created from the template (POST /v1/sandboxes alone) and one of them paused
/// and resumed. Runs only when a guest kernel is where `wrenn image kernel` puts it (beside the images,
/// as tests/vm finds it); at most 5 runs, a VM create is seconds under emulation.
/// </summary>
public sealed class QemuTemplate : IMeasurement
{
    private const int MaxRuns = 5;
    private const int MemoryMb = 256;
    private const string Template = "bench-vm-template";

    public string Row => "qemu";

    public string Title => "QEMU (software emulation): create from a template; pause";

    public PlatformKind Platform => PlatformKind.Qemu;

    /// <summary>Why the row cannot run here, or null when it can.</summary>
    public static string? Unavailable()
    {
        var kernels = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(TestEnvironment.Images))!, "kernels");
        if (!Directory.Exists(kernels) || !Directory.EnumerateFiles(kernels, "vmlinuz*").Any())
        {
            return $"skipped: no kernel (no vmlinuz in {kernels}; run 'wrenn image kernel')";
        }

        return File.Exists("/usr/bin/qemu-system-x86_64") ? null : "skipped: no qemu-system-x86_64";
    }

    public async Task<RowResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        if (Unavailable() is { } reason)
        {
            return RowResult.Skip(Row, Title, reason);
        }

        var platform = await context.Platforms.GetAsync(Platform, cancellationToken);
        var client = new SandboxClient(platform.Http);
        var runs = Math.Min(context.Options.Runs, MaxRuns);
        var ids = new List<string>();
        try
        {
            var booted = Stopwatch.GetTimestamp();
            var source = await client.CreateAsync("minimal", cancellationToken, MemoryMb, 1);
            ids.Add(source);
            await client.EchoHelloAsync(source, cancellationToken);
            var boot = Stopwatch.GetElapsedTime(booted);
            await client.SnapshotAsync(source, Template, cancellationToken);

            var fromTemplate = new Sample("wrenn qemu: POST /v1/sandboxes from a template (VM restored from memory)");
            var fromBase = new Sample("wrenn qemu: POST /v1/sandboxes from the base image");
            var timedTemplate = new List<string>();
            var timedBase = new List<string>();
            for (var i = 0; i < runs; i++)
            {
                var started = Stopwatch.GetTimestamp();
                var id = await client.CreateAsync(Template, cancellationToken, MemoryMb, 1);
                fromTemplate.Add(Stopwatch.GetElapsedTime(started));
                ids.Add(id);
                timedTemplate.Add(id);
                // The clone must really run: its first exec, untimed.
                await client.EchoHelloAsync(id, cancellationToken);
                if (i < runs - 1)
                {
                    await client.DeleteSandboxAsync(id);
                    ids.Remove(id);
                }

                started = Stopwatch.GetTimestamp();
                var plain = await client.CreateAsync("minimal", cancellationToken, MemoryMb, 1);
                fromBase.Add(Stopwatch.GetElapsedTime(started));
                timedBase.Add(plain);
                await client.DeleteSandboxAsync(plain);
            }

            var clone = ids[^1];
            var pause = new Sample("wrenn qemu: POST pause");
            var resume = new Sample("wrenn qemu: POST resume");
            for (var i = 0; i < runs; i++)
            {
                pause.Add(await client.TimedPostAsync($"/v1/sandboxes/{clone}/pause", cancellationToken));
                resume.Add(await client.TimedPostAsync($"/v1/sandboxes/{clone}/resume", cancellationToken));
            }

            await client.EchoHelloAsync(clone, cancellationToken);
            var agentLog = Path.Combine(platform.WrennDir, "logs", "agent.log");
            var prepared = $"{TookPreparedVmm(agentLog, timedTemplate)} of {runs} from the template and {TookPreparedVmm(agentLog, timedBase)} of {runs} from the base image took a QEMU prepared ahead";
            return new RowResult(Row, Title)
            {
                Figures =
                [
                    new Figure("qemu_create_from_template_p50", fromTemplate.P50, Note: $"{runs} runs; from the base image p50 {fromBase.P50:F0} ms; {prepared}; the template's source booted in {boot.TotalMilliseconds:F0} ms"),
                    new Figure("qemu_pause_p50", pause.P50, Note: $"{runs} runs; resume p50 {resume.P50:F0} ms"),
                ],
                Comparisons = [new Comparison("qemu_create_from_template", "QEMU create from a template vs from the base image", fromTemplate, fromBase)],
                Distributions = [fromTemplate, fromBase, pause, resume],
                Details = new System.Text.Json.Nodes.JsonObject
                {
                    ["boot_ms"] = Math.Round(boot.TotalMilliseconds, 1),
                    ["resume_p50_ms"] = Math.Round(resume.P50, 1),
                    ["memory_mb"] = MemoryMb,
                    ["prepared_vmm"] = prepared,
                },
            };
        }
        finally
        {
            foreach (var id in ids)
            {
                await client.DeleteSandboxAsync(id);
            }

            await client.DeleteAsync($"/v1/snapshots/{Template}");
        }
    }

    /// <summary>
    /// How many of <paramref name="ids"/> took a QEMU prepared ahead (WRENN_QEMU_PREPARED): the agent's timing line
    /// of their create names the step. The first create from a template never has one.
    /// </summary>
    private static int TookPreparedVmm(string agentLog, IReadOnlyList<string> ids)
    {
        if (!File.Exists(agentLog))
        {
            return 0;
        }

        var lines = File.ReadAllLines(agentLog);
        return ids.Count(id => lines.Any(l => l.Contains($"create {id} took", StringComparison.Ordinal) && l.Contains("qemu.prepared=", StringComparison.Ordinal)));
    }
}
