using System.CommandLine;

namespace Wrenn.Cli.Api;

/// <summary>The options every command that talks to the API shares.</summary>
public sealed class ApiOptions
{
    public Option<string?> ApiUrl { get; } = new("--api-url") { Description = $"Control plane URL (default ${ApiSettings.UrlVariable}, else the config file)", Recursive = true };

    public Option<string?> ApiKey { get; } = new("--api-key") { Description = $"API key (default ${ApiSettings.KeyVariable}, else the config file)", Recursive = true };

    public Option<bool> Json { get; } = new("--json") { Description = "Print JSON instead of text (for scripts and pipes)", Recursive = true };

    public void AddTo(Command command)
    {
        command.Options.Add(ApiUrl);
        command.Options.Add(ApiKey);
        command.Options.Add(Json);
    }

    /// <summary>
    /// Runs <paramref name="body"/> with a client; an API error prints one line on stderr and exits 1
    /// (exec passes through the remote exit code; usage errors exit 2 before this runs).
    /// </summary>
    public async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken, Func<WrennApiClient, bool, Task<int>> body)
    {
        try
        {
            var settings = await ApiSettings.ResolveAsync(parse.GetValue(ApiUrl), parse.GetValue(ApiKey), cancellationToken).ConfigureAwait(false);
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
            return await body(new WrennApiClient(http, settings), parse.GetValue(Json)).ConfigureAwait(false);
        }
        catch (WrennApiException ex)
        {
            await Console.Error.WriteLineAsync($"wrenn: {ex.Message}" + (ex.Status > 0 ? $" ({ex.Status} {ex.Code})" : string.Empty)).ConfigureAwait(false);
            return 1;
        }
    }
}
