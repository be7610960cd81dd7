using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.E2E.Tests;

/// <summary>
/// `wrenn sandbox shell` as a person uses it: in a terminal (tmux, on a private server socket), typing
/// a line and reading what the screen shows.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ShellScreenTests(PlatformFixture fixture)
{
    [Fact]
    public async Task A_typed_line_shows_once_on_the_screen_followed_by_its_output()
    {
        var ct = TestContext.Current.CancellationToken;
        using var created = await fixture.Platform.Http.PostAsJsonAsync("/v1/sandboxes", new { }, ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
        var server = $"wrenn-test-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            var config = Path.Combine(fixture.Platform.Root, "config");
            await TmuxAsync(server, ["new-session", "-d", "-s", server, "-x", "100", "-y", "30", $"env -u WRENN_API_URL -u WRENN_API_KEY XDG_CONFIG_HOME={config} {TestEnvironment.Wrenn} sandbox shell {id}; sleep 60"]);
            await ScreenShowsAsync(server, screen => screen.Contains(":~$", StringComparison.Ordinal), "a prompt");

            // The quotes make what is typed differ from what it prints.
            await TmuxAsync(server, ["send-keys", "-t", server, "-l", "echo typ''ed-$((6*7))"]);
            await TmuxAsync(server, ["send-keys", "-t", server, "Enter"]);
            var screen = await ScreenShowsAsync(server, s => s.Contains("typed-42", StringComparison.Ordinal), "the command's output");

            var lines = screen.Split('\n');
            Assert.True(lines.Count(l => l.Contains("echo typ''ed-$((6*7))", StringComparison.Ordinal)) == 1, "the typed line is not on the screen exactly once:\n" + screen);
            Assert.True(lines.Count(l => l.TrimEnd() == "typed-42") == 1, "the output is not on the screen exactly once:\n" + screen);
        }
        finally
        {
            await TmuxAsync(server, ["kill-server"], check: false);
            using var _ = await fixture.Platform.Http.DeleteAsync(new Uri($"/v1/sandboxes/{id}", UriKind.Relative), CancellationToken.None);
        }
    }

    /// <summary>Polls the pane until <paramref name="shows"/> holds (or 30 s pass); the screen as text.</summary>
    private static async Task<string> ScreenShowsAsync(string server, Func<string, bool> shows, string what)
    {
        var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        var screen = string.Empty;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            screen = await TmuxAsync(server, ["capture-pane", "-p", "-t", server]);
            if (shows(screen))
            {
                return screen;
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"the screen never showed {what}:\n{screen}");
        return screen;
    }

    private static async Task<string> TmuxAsync(string server, string[] arguments, bool check = true)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-L");
        start.ArgumentList.Add(server);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        await process.WaitForExitAsync(CancellationToken.None);
        Assert.True(!check || process.ExitCode == 0, $"tmux {string.Join(' ', arguments)}: {await error}");
        return await output;
    }
}
