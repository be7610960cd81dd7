using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// A <c>firecracker</c> on PATH that is this test executable in its <see cref="FakeFirecrackerProcess"/>
/// mode: a wrapper script in a temp bin/ that <see cref="Runner"/> (the real process runner with
/// <see cref="ProcessCommandRunner.PathPrefix"/>) and every child it starts find first. What the
/// processes saw is read through <see cref="Control"/>. <see cref="TestHost"/> runs the executable's
/// other modes (the agent's page server). Dispose kills any of them still running (only
/// processes whose command line names this instance's directory) and removes the directory.
/// </summary>
public sealed class FakeFirecrackerExecutable : IAsyncDisposable
{
    public FakeFirecrackerExecutable()
    {
        Root = Directory.CreateTempSubdirectory("wrenn-fake-fc-").FullName;
        Bin = Directory.CreateDirectory(Path.Combine(Root, "bin")).FullName;
        Control = new FakeFirecrackerControl(Directory.CreateDirectory(Path.Combine(Root, "control")).FullName);
        var host = Path.Combine(AppContext.BaseDirectory, "Wrenn.Agent.Tests");
        var run = File.Exists(host)
            ? $"'{host}'"
            : $"dotnet '{Path.Combine(AppContext.BaseDirectory, "Wrenn.Agent.Tests.dll")}'";
        WriteScript("firecracker", $"exec {run} {FakeFirecrackerProcess.Verb} {FakeFirecrackerProcess.ControlDirectoryArgument} '{Control.Directory}' \"$@\"");
        TestHost = WriteScript("test-host", $"exec {run} \"$@\"");
        Runner = new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance) { PathPrefix = Bin };
    }

    public string Root { get; }

    public string Bin { get; }

    public FakeFirecrackerControl Control { get; }

    public ProcessCommandRunner Runner { get; }

    /// <summary>This test executable as a program: its other test-host modes (e.g. <c>uffd-serve</c>, as the agent's binary runs it).</summary>
    public string TestHost { get; }

    /// <summary>True while <paramref name="pid"/> is one of this instance's fake processes and not a zombie.</summary>
    public bool IsAlive(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains(Control.Directory, StringComparison.Ordinal)
                && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private string WriteScript(string name, string command)
    {
        var path = Path.Combine(Bin, name);
        File.WriteAllText(path, "#!/bin/sh\n" + command + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var launch in Control.Launches.Where(l => IsAlive(l.Pid)))
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(launch.Pid);
                process.Kill();
                using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(patience.Token);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or OperationCanceledException)
            {
                // Ended meanwhile, or not ours to wait for (reparented): gone either way within moments.
            }
        }

        Directory.Delete(Root, recursive: true);
    }
}
