using System.Diagnostics;

namespace Wrenn.Cli.Tests.TestSupport;

/// <summary>
/// Runs the CLI as a user does (a child process: its stdout, stderr and exit code) with a config home of its
/// own, so nothing of the machine's ~/.config/wrenn or WRENN_API_* leaks in.
/// </summary>
public sealed class CliProcess : IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("wrenn-cli-test-");

    /// <summary>Variables to set for the CLI (WRENN_TEAM and the API ones are otherwise removed).</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public string ConfigPath => Path.Combine(_home.FullName, "wrenn", "config.json");

    /// <summary>Writes the client config `wrenn up` / `wrenn login` would have written.</summary>
    public Task WriteConfigAsync(string apiUrl, string apiKey, string? sessionToken) =>
        new Wrenn.Cli.Config.ClientConfig(apiUrl, apiKey) { SessionToken = sessionToken }.WriteAsync(ConfigPath, TestContext.Current.CancellationToken);

    public async Task<(int Code, string Output, string Error)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "wrenn.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["XDG_CONFIG_HOME"] = _home.FullName;
        start.Environment.Remove("WRENN_API_URL");
        start.Environment.Remove("WRENN_API_KEY");
        start.Environment.Remove("WRENN_TEAM");
        foreach (var (name, value) in Environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output, await error);
    }

    public void Dispose() => _home.Delete(recursive: true);
}
