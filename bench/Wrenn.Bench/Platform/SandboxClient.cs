using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.Bench.Platform;

/// <summary>The few REST calls the bench makes, each checked, some timed.</summary>
public sealed class SandboxClient(HttpClient http)
{
    /// <summary>POST /v1/sandboxes; returns the new sandbox's id.</summary>
    public async Task<string> CreateAsync(string template, CancellationToken cancellationToken, int? memoryMb = null, int? vcpus = null)
    {
        object body = memoryMb is null ? new { template } : new { template, memory_mb = memoryMb, vcpus = vcpus ?? 1 };
        using var created = await http.PostAsJsonAsync("/v1/sandboxes", body, cancellationToken);
        var text = await created.Content.ReadAsStringAsync(cancellationToken);
        Check(created.IsSuccessStatusCode, $"create answered {(int)created.StatusCode}: {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>POST exec, waits for the output; checks the exit code and returns stdout.</summary>
    public async Task<string> ExecAsync(string id, string cmd, string[] args, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync($"/v1/sandboxes/{id}/exec", new { cmd, args }, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        Check(response.IsSuccessStatusCode, $"exec {cmd} answered {(int)response.StatusCode}: {text}");
        using var document = JsonDocument.Parse(text);
        Check(document.RootElement.GetProperty("exit_code").GetInt32() == 0, $"exec {cmd} failed: {text}");
        return document.RootElement.GetProperty("stdout").GetString() ?? "";
    }

    /// <summary>`echo hello` in the sandbox; checks its output.</summary>
    public async Task EchoHelloAsync(string id, CancellationToken cancellationToken)
    {
        var output = await ExecAsync(id, "/bin/echo", ["hello"], cancellationToken);
        Check(output == "hello\n", $"echo printed '{output}'");
    }

    /// <summary>POST to an action path (pause, resume); returns how long the answer took.</summary>
    public async Task<TimeSpan> TimedPostAsync(string path, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), null, cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);
        Check(response.IsSuccessStatusCode, $"{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        return elapsed;
    }

    /// <summary>POST /v1/snapshots: a template named <paramref name="name"/> from the sandbox.</summary>
    public async Task SnapshotAsync(string id, string name, CancellationToken cancellationToken)
    {
        using var made = await http.PostAsJsonAsync("/v1/snapshots", new { sandbox_id = id, name }, cancellationToken);
        Check(made.IsSuccessStatusCode, $"snapshot answered {(int)made.StatusCode}: {await made.Content.ReadAsStringAsync(cancellationToken)}");
    }

    /// <summary>DELETE of a sandbox or template; best effort (cleanup after a measurement).</summary>
    public async Task DeleteAsync(string path)
    {
        try
        {
            using var _ = await http.DeleteAsync(new Uri(path, UriKind.Relative), CancellationToken.None);
        }
        catch (HttpRequestException)
        {
            // The platform is stopped and its directory removed afterwards anyway.
        }
    }

    public Task DeleteSandboxAsync(string id) => DeleteAsync($"/v1/sandboxes/{id}");

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
