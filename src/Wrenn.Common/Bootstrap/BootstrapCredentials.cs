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

    public static async Task<BootstrapCredentials?> ReadAsync(string wrennDir, CancellationToken cancellationToken)
    {
        var path = PathIn(wrennDir);
        if (!File.Exists(path))
        {
            return null;
        }

        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync(stream, BootstrapJsonContext.Default.BootstrapCredentials, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the file readable by its owner only; it is created with that mode, never widened.</summary>
    public async Task WriteAsync(string wrennDir, CancellationToken cancellationToken)
    {
        var path = PathIn(wrennDir);
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
