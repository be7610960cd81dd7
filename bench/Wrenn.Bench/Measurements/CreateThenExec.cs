using System.Diagnostics;
using Wrenn.Bench.Platform;

namespace Wrenn.Bench.Measurements;

/// <summary>Create a sandbox and run `echo hello` in it, timed to the output; the sandbox is deleted untimed.</summary>
public static class CreateThenExec
{
    public static async Task<TimeSpan> TimeAsync(SandboxClient client, string template, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var id = await client.CreateAsync(template, cancellationToken);
        await client.EchoHelloAsync(id, cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);
        await client.DeleteSandboxAsync(id);
        return elapsed;
    }
}
