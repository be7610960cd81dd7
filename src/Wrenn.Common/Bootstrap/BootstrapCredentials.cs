using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wrenn.Common.Bootstrap;

/// <summary>
/// The first admin's credentials, which the control plane creates on its first start and writes to
/// $WRENN_DIR/admin-credentials.json (mode 0600, readable by root only) so that `wrenn up` can show
/// them. It is the only place the API key exists in clear; the database holds its hash.
/// </summary>
public sealed record BootstrapCredentials(
    [property: JsonPropertyName("email")] string Email,
    [property: JsonPropertyName("password")] string Password,
    [property: JsonPropertyName("team_id")] string TeamId,
    [property: JsonPropertyName("api_key")] string ApiKey)
{
    public const string FileName = "admin-credentials.json";

    public static string PathIn(string wrennDir) => Path.Combine(wrennDir, FileName);

    /// <summary>
    /// The copy kept for the database whose first admin's team is <paramref name="teamId"/>
    /// ($WRENN_DIR/admin-credentials.TEAM.json): one $WRENN_DIR may meet several databases (SQLite,
    /// then PostgreSQL, then SQLite again), and each one's key exists in clear only in its own file.
    /// </summary>
    public static string KeptPathIn(string wrennDir, string teamId) => Path.Combine(wrennDir, $"admin-credentials.{teamId}.json");

    /// <summary>Every kept copy (see <see cref="KeptPathIn"/>) in <paramref name="wrennDir"/>.</summary>
    public static async Task<IReadOnlyList<BootstrapCredentials>> ReadKeptAsync(string wrennDir, CancellationToken cancellationToken)
    {
        var kept = new List<BootstrapCredentials>();
        if (!Directory.Exists(wrennDir))
        {
            return kept;
        }

        foreach (var path in Directory.EnumerateFiles(wrennDir, "admin-credentials.*.json"))
        {
            if (await ReadFileAsync(path, cancellationToken).ConfigureAwait(false) is { } credentials)
            {
                kept.Add(credentials);
            }
        }

        return kept;
    }

    public static Task<BootstrapCredentials?> ReadAsync(string wrennDir, CancellationToken cancellationToken) =>
        ReadFileAsync(PathIn(wrennDir), cancellationToken);

    /// <summary>Writes the current file and the copy kept for this database.</summary>
    public async Task WriteAsync(string wrennDir, CancellationToken cancellationToken)
    {
        await WriteFileAsync(KeptPathIn(wrennDir, TeamId), cancellationToken).ConfigureAwait(false);
        await WriteFileAsync(PathIn(wrennDir), cancellationToken).ConfigureAwait(false);
    }

    private static async Task<BootstrapCredentials?> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync(stream, BootstrapJsonContext.Default.BootstrapCredentials, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the file readable by its owner only; it is created with that mode, never widened.</summary>
    private async Task WriteFileAsync(string path, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        await using var stream = new FileStream(path, options);
        await JsonSerializer.SerializeAsync(stream, this, BootstrapJsonContext.Default.BootstrapCredentials, cancellationToken).ConfigureAwait(false);
    }
}
