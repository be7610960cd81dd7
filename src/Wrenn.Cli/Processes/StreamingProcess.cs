using System.Diagnostics;

namespace Wrenn.Cli.Processes;

/// <summary>Runs a program to completion, handing each line it prints to a callback as it comes.</summary>
public static class StreamingProcess
{
    /// <summary>Returns the exit code; the program is killed when <paramref name="cancellationToken"/> fires.</summary>
    public static async Task<int> RunAsync(
        string program,
        IEnumerable<string> arguments,
        Action<string> onLine,
        CancellationToken cancellationToken)
    {
        using var process = new Process { StartInfo = RedirectedStartInfo.Create(program, arguments) };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onLine(e.Data);
            }
        };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return process.ExitCode;
    }

    /// <summary>Like <see cref="RunAsync"/>, but a non-zero exit throws with the last lines the program printed.</summary>
    public static async Task RunCheckedAsync(string program, IEnumerable<string> arguments, Action<string> onLine, CancellationToken cancellationToken)
    {
        var tail = new Queue<string>();
        var exitCode = await RunAsync(
            program,
            arguments,
            line =>
            {
                lock (tail)
                {
                    tail.Enqueue(line);
                    if (tail.Count > 20)
                    {
                        tail.Dequeue();
                    }
                }

                onLine(line);
            },
            cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited with {exitCode}:\n  " + string.Join("\n  ", tail));
        }
    }
}
