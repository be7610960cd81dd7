using System.CommandLine;
using Wrenn.Sdk;

namespace Wrenn.Cli.Api;

/// <summary>The options every command that talks to the API shares.</summary>
public sealed class ApiOptions
{
    public Option<string?> ApiUrl { get; } = new("--api-url") { Description = $"Control plane URL (default ${WrennSettings.UrlVariable}, else the config file)", Recursive = true };

    public Option<string?> ApiKey { get; } = new("--api-key") { Description = $"API key (default ${WrennSettings.KeyVariable}, else the config file)", Recursive = true };

    public Option<string?> Team { get; } = new("--team") { Description = $"Team id that login-session calls (apikey, host) act for, when you belong to several (default ${WrennSettings.TeamVariable})", Recursive = true };

    public Option<bool> Json { get; } = new("--json") { Description = "Print JSON instead of text (for scripts and pipes)", Recursive = true };

    public void AddTo(Command command)
    {
        command.Options.Add(ApiUrl);
        command.Options.Add(ApiKey);
        command.Options.Add(Team);
        command.Options.Add(Json);
    }

    /// <summary>
    /// Runs <paramref name="body"/> with an SDK client that has the <paramref name="credential"/> it needs;
    /// an error prints one line on stderr and exits 1 (exec passes through the remote exit code; usage
    /// errors exit 2 before this runs).
    /// </summary>
    public async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken, ApiCredential credential, Func<WrennClient, bool, Task<int>> body)
    {
        try
        {
            var settings = await ApiSettings.ResolveAsync(parse.GetValue(ApiUrl), parse.GetValue(ApiKey), parse.GetValue(Team), cancellationToken).ConfigureAwait(false);
            ApiSettings.Require(settings, credential);
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
            using var client = new WrennClient(http, settings);
            return await body(client, parse.GetValue(Json)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WrennApiException or WrennConnectionException or WrennConfigurationException or CliException)
        {
            // The SDK's API errors already end with "(STATUS code)": the server's message, status and code on one line.
            await Console.Error.WriteLineAsync("wrenn: " + OneLine(ex.Message)).ConfigureAwait(false);
            return 1;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
