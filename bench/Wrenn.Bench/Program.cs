using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Wrenn.Bench;
using Wrenn.Tests.Shared;

// Benchmarks, each as a ratio against a raw baseline measured in this same run: create + first exec
// through the REST API vs `runc run` of the same rootfs and command; exec round trip on a running
// sandbox vs a local fork/exec; pause and resume through the API vs runc's own of the same container;
// create from a template vs from the base image; a GET through the traffic proxy vs straight to the
// sandbox. Then idle density from the sandboxes' cgroups. `--only proxy` runs just the proxy's.
var resultsDir = ArgValue("--results") ?? "bench/results";
var runs = int.Parse(ArgValue("--runs") ?? "20", CultureInfo.InvariantCulture);
var execRuns = int.Parse(ArgValue("--exec-runs") ?? "100", CultureInfo.InvariantCulture);
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
var ct = stop.Token;

await using var platform = await RunningPlatform.StartAsync(ct);
if (ArgValue("--only") == "proxy")
{
    Comparison[] proxyOnly = [await ProxyRoundTrip.RunAsync(platform, execRuns * 5, ct)];
    Print(proxyOnly);
    Console.WriteLine($"results: {await WriteJsonAsync(proxyOnly, "proxy", null)}");
    return 0;
}

var raw = new RawRunc(Path.Combine(TestEnvironment.Images, "minimal", "rootfs"), Directory.CreateDirectory(Path.Combine(platform.Root, "raw")).FullName);
string[] command = ["/bin/echo", "hello"];

// Warm both paths (page cache, JIT) before anything is timed.
await WrennCreateExecAsync();
await raw.RunAsync(command, ct);

var wrennCreate = new Sample("wrenn: POST /v1/sandboxes + POST exec (echo hello)");
var rawCreate = new Sample("raw: runc run of the same rootfs (echo hello)");
for (var i = 0; i < runs; i++)
{
    wrennCreate.Add(await WrennCreateExecAsync());
    var started = Stopwatch.GetTimestamp();
    var output = await raw.RunAsync(command, ct);
    rawCreate.Add(Stopwatch.GetElapsedTime(started));
    Check(output == "hello\n", $"raw runc printed '{output}'");
}

var sandboxId = await CreateAsync();
var wrennExec = new Sample("wrenn: POST exec on a running sandbox (echo hello)");
var localExec = new Sample("raw: local fork/exec of /bin/echo hello");
for (var i = 0; i < execRuns + 5; i++)
{
    var wrenn = await ExecAsync(sandboxId);
    var local = await LocalForkExecAsync();
    if (i >= 5)
    {
        wrennExec.Add(wrenn);
        localExec.Add(local);
    }
}

// Pause and resume through the API vs the OCI runtime's own pause and resume of the same container.
var wrennPause = new Sample("wrenn: POST pause (cgroup freezer, state recorded)");
var rawPause = new Sample("raw: runc pause of the same container");
var wrennResume = new Sample("wrenn: POST resume");
var rawResume = new Sample("raw: runc resume of the same container");
for (var i = 0; i < runs + 2; i++)
{
    var paused = await TimedPostAsync($"/v1/sandboxes/{sandboxId}/pause");
    var resumed = await TimedPostAsync($"/v1/sandboxes/{sandboxId}/resume");
    var rawPaused = await TimedRuncAsync("pause", sandboxId);
    var rawResumed = await TimedRuncAsync("resume", sandboxId);
    if (i >= 2)
    {
        wrennPause.Add(paused);
        wrennResume.Add(resumed);
        rawPause.Add(rawPaused);
        rawResume.Add(rawResumed);
    }
}

// A template of the sandbox, and sandboxes from it vs from the base image.
await ExecAsync(sandboxId);
using (var made = await platform.Http.PostAsJsonAsync("/v1/snapshots", new { sandbox_id = sandboxId, name = "bench-template" }, ct))
{
    Check(made.IsSuccessStatusCode, $"snapshot answered {made.StatusCode}: {await made.Content.ReadAsStringAsync(ct)}");
}

var fromTemplate = new Sample("wrenn: create from a template + first exec");
var fromBase = new Sample("wrenn: create from the base image + first exec");
for (var i = 0; i < runs; i++)
{
    fromTemplate.Add(await WrennCreateExecAsync("bench-template"));
    fromBase.Add(await WrennCreateExecAsync("minimal"));
}

using (var _ = await platform.Http.DeleteAsync(new Uri($"/v1/sandboxes/{sandboxId}", UriKind.Relative), ct))
{
}

using (var _ = await platform.Http.DeleteAsync(new Uri("/v1/snapshots/bench-template", UriKind.Relative), ct))
{
}

// Density: what idle sandboxes cost in memory, as their cgroups count it.
const int idleCount = 10;
var idle = new List<string>();
for (var i = 0; i < idleCount; i++)
{
    idle.Add(await CreateAsync());
}

await Task.Delay(TimeSpan.FromSeconds(3), ct);
var idleBytes = long.Parse(File.ReadAllText("/sys/fs/cgroup/memory/wrenn/memory.usage_in_bytes").Trim(), CultureInfo.InvariantCulture);
var perSandboxMib = idleBytes / (double)idleCount / (1024 * 1024);
foreach (var id in idle)
{
    using var _ = await platform.Http.DeleteAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), ct);
}

var proxy = await ProxyRoundTrip.RunAsync(platform, execRuns * 5, ct);
var envdOnly = await new EnvdRoundTrip(Path.Combine(TestEnvironment.Builds, "envd")).RunAsync(execRuns, ct);

Comparison[] comparisons =
[
    new("create_then_first_exec", "create a sandbox and run `echo hello` in it", wrennCreate, rawCreate),
    new("exec_round_trip", "run `echo hello` in a running sandbox", wrennExec, localExec),
    new("envd_exec_true", "envd alone: start /bin/true and read its stream to the end", envdOnly.Envd, envdOnly.Local),
    new("pause", "pause a running sandbox", wrennPause, rawPause),
    new("resume", "resume a paused sandbox", wrennResume, rawResume),
    new("create_from_template", "create + first exec from a template, against the same from the base image", fromTemplate, fromBase),
    proxy,
];
Print(comparisons);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"envd: binary {new FileInfo(Path.Combine(TestEnvironment.Builds, "envd")).Length / 1e6:F1} MB, start to first /health {envdOnly.StartToHealth.TotalMilliseconds:F1} ms, idle RSS {envdOnly.IdleRssKb / 1024.0:F1} MB"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"idle density: {idleCount} idle sandboxes use {idleBytes / 1048576.0:F1} MiB in their cgroups, {perSandboxMib:F1} MiB each, {1024 / perSandboxMib:F0} sandboxes per GiB"));
var path = await WriteJsonAsync(comparisons, "skeleton", document =>
{
    document["envd"] = new JsonObject
    {
        ["binary_bytes"] = new FileInfo(Path.Combine(TestEnvironment.Builds, "envd")).Length,
        ["start_to_health_ms"] = Math.Round(envdOnly.StartToHealth.TotalMilliseconds, 1),
        ["idle_rss_kb"] = envdOnly.IdleRssKb,
    };
    document["idle_density"] = new JsonObject
    {
        ["sandboxes"] = idleCount,
        ["cgroup_bytes"] = idleBytes,
        ["mib_per_sandbox"] = Math.Round(perSandboxMib, 2),
        ["sandboxes_per_gib"] = Math.Round(1024 / perSandboxMib, 1),
    };
});
Console.WriteLine($"results: {path}");
return 0;

async Task<TimeSpan> WrennCreateExecAsync(string template = "minimal")
{
    var started = Stopwatch.GetTimestamp();
    var id = await CreateAsync(template);
    await ExecAsync(id);
    var elapsed = Stopwatch.GetElapsedTime(started);
    using var deleted = await platform.Http.DeleteAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), ct);
    Check(deleted.IsSuccessStatusCode, $"delete answered {deleted.StatusCode}");
    return elapsed;
}

async Task<TimeSpan> TimedPostAsync(string path)
{
    var started = Stopwatch.GetTimestamp();
    using var response = await platform.Http.PostAsync(new Uri(path, UriKind.Relative), null, ct);
    var elapsed = Stopwatch.GetElapsedTime(started);
    Check(response.IsSuccessStatusCode, $"{path} answered {response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
    return elapsed;
}

async Task<TimeSpan> TimedRuncAsync(string verb, string id)
{
    var start = new ProcessStartInfo("runc") { RedirectStandardError = true, RedirectStandardOutput = true };
    start.ArgumentList.Add(verb);
    start.ArgumentList.Add("wrenn-" + id);
    var started = Stopwatch.GetTimestamp();
    using var process = Process.Start(start)!;
    await process.WaitForExitAsync(ct);
    var elapsed = Stopwatch.GetElapsedTime(started);
    Check(process.ExitCode == 0, $"runc {verb} failed: {await process.StandardError.ReadToEndAsync(ct)}");
    return elapsed;
}

async Task<string> CreateAsync(string template = "minimal")
{
    using var created = await platform.Http.PostAsJsonAsync("/v1/sandboxes", new { template }, ct);
    var body = await created.Content.ReadAsStringAsync(ct);
    Check(created.IsSuccessStatusCode, $"create answered {created.StatusCode}: {body}");
    return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
}

async Task<TimeSpan> ExecAsync(string id)
{
    var started = Stopwatch.GetTimestamp();
    using var response = await platform.Http.PostAsJsonAsync($"/v1/sandboxes/{id}/exec", new { cmd = command[0], args = command[1..] }, ct);
    var body = await response.Content.ReadAsStringAsync(ct);
    var elapsed = Stopwatch.GetElapsedTime(started);
    Check(response.IsSuccessStatusCode && JsonDocument.Parse(body).RootElement.GetProperty("stdout").GetString() == "hello\n", $"exec answered {response.StatusCode}: {body}");
    return elapsed;
}

async Task<TimeSpan> LocalForkExecAsync()
{
    var (elapsed, output) = await LocalForkExec.RunAsync(command[0], command[1..], ct);
    Check(output == "hello\n", "local echo printed " + output);
    return elapsed;
}

void Print(IEnumerable<Comparison> all)
{
    Console.WriteLine();
    Console.WriteLine($"{"benchmark",-24} {"wrenn p50",10} {"wrenn p95",10} {"raw p50",9} {"raw p95",9} {"ratio p50",10} {"ratio p95",10} {"added p50",10}   n");
    foreach (var c in all)
    {
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{c.Name,-24} {c.Wrenn.P50,8:F2}ms {c.Wrenn.P95,8:F2}ms {c.Baseline.P50,7:F2}ms {c.Baseline.P95,7:F2}ms {c.RatioP50,9:F2}x {c.RatioP95,9:F2}x {c.Wrenn.P50 - c.Baseline.P50,8:F2}ms {c.Wrenn.Count,4}"));
    }

    Console.WriteLine();
    foreach (var c in all)
    {
        Console.WriteLine($"  {c.Name}: {c.Wrenn.Name}  vs  {c.Baseline.Name}");
    }
}

async Task<string> WriteJsonAsync(IEnumerable<Comparison> all, string benchmark, Action<JsonObject>? extra)
{
    Directory.CreateDirectory(resultsDir);
    var document = new JsonObject
    {
        ["benchmark"] = benchmark,
        ["measured_at"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        ["machine"] = new JsonObject { ["cpus"] = Environment.ProcessorCount, ["kernel"] = Environment.OSVersion.VersionString },
        ["results"] = new JsonArray([.. all.Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Name,
            ["what"] = c.What,
            ["runs"] = c.Wrenn.Count,
            ["wrenn"] = new JsonObject { ["description"] = c.Wrenn.Name, ["p50_ms"] = Math.Round(c.Wrenn.P50, 2), ["p95_ms"] = Math.Round(c.Wrenn.P95, 2) },
            ["baseline"] = new JsonObject { ["description"] = c.Baseline.Name, ["p50_ms"] = Math.Round(c.Baseline.P50, 2), ["p95_ms"] = Math.Round(c.Baseline.P95, 2) },
            ["ratio_p50"] = Math.Round(c.RatioP50, 3),
            ["ratio_p95"] = Math.Round(c.RatioP95, 3),
            ["added_p50_ms"] = Math.Round(c.Wrenn.P50 - c.Baseline.P50, 3),
        })]),
    };
    extra?.Invoke(document);
    var path = Path.Combine(resultsDir, $"{benchmark}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
    await File.WriteAllTextAsync(path, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct);
    return path;
}

static void Check(bool condition, string message)
{
    if (!condition)
    {
        throw new InvalidOperationException(message);
    }
}

static string? ArgValue(string name)
{
    var args = Environment.GetCommandLineArgs();
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
