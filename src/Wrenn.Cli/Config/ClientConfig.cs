using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wrenn.Cli.Config;

/// <summary>
/// Where the CLI and the SDKs find the platform when no flag or variable says:
/// $XDG_CONFIG_HOME/wrenn/config.json (default ~/.config/wrenn/config.json), mode 0600. SDKs read
/// api_url and api_key; the CLI also keeps its login session there.
/// </summary>
public sealed record ClientConfig(
    [property: JsonPropertyName("api_url")] string ApiUrl,
    [property: JsonPropertyName("api_key")] string ApiKey)
{
    /// <summary>A session from `wrenn login`, for account commands (API keys, hosts); absent until then.</summary>
    [JsonPropertyName("session_token")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SessionToken { get; init; }

    public static string DefaultPath()
    {
        var configHome = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        if (string.IsNullOrWhiteSpace(configHome))
        {
            configHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        }

        return Path.Combine(configHome, "wrenn", "config.json");
    }

    public async Task WriteAsync(string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        await using (var stream = new FileStream(temporary, options))
        {
            await JsonSerializer.SerializeAsync(stream, this, CliJsonContext.Default.ClientConfig, cancellationToken).ConfigureAwait(false);
        }

        // An older file may have been created with a wider mode; the rename replaces it with ours.
        File.Move(temporary, path, overwrite: true);
    }

    public static async Task<ClientConfig?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync(stream, CliJsonContext.Default.ClientConfig, cancellationToken).ConfigureAwait(false);
    }
}
