using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wrenn.Agent.Registration;

/// <summary>
/// What registration gave this host, kept in $WRENN_DIR/host-token (mode 0600): who it is, the token
/// for heartbeats, the secret the control plane signs its calls with, and where the control plane is.
/// </summary>
public sealed record HostCredentials(
    [property: JsonPropertyName("host_id")] string HostId,
    [property: JsonPropertyName("host_token")] string HostToken,
    [property: JsonPropertyName("agent_secret")] string AgentSecret,
    [property: JsonPropertyName("control_plane_url")] string ControlPlaneUrl,
    [property: JsonPropertyName("address")] string Address)
{
    public const string FileName = "host-token";

    public static string PathIn(string wrennDir) => Path.Combine(wrennDir, FileName);

    public static HostCredentials? Read(string wrennDir)
    {
        var path = PathIn(wrennDir);
        if (!File.Exists(path))
        {
            return null;
        }

        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize(stream, RegistrationJsonContext.Default.HostCredentials);
    }

    /// <summary>Written to a new file created 0600 and renamed over the old, never readable by others.</summary>
    public void Write(string wrennDir)
    {
        Directory.CreateDirectory(wrennDir);
        var path = PathIn(wrennDir);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, this, RegistrationJsonContext.Default.HostCredentials);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
