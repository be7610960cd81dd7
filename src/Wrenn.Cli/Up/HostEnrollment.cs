using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.Common.Bootstrap;

namespace Wrenn.Cli.Up;

/// <summary>Asks the control plane for a host registration token, as an administrator (the first admin's credentials).</summary>
public sealed class HostEnrollment(HttpClient http, Uri controlPlane)
{
    /// <summary>Adds this machine as a new host; its registration token.</summary>
    public async Task<string> NewRegistrationTokenAsync(BootstrapCredentials admin, CancellationToken cancellationToken)
    {
        var session = await LoginAsync(admin, cancellationToken).ConfigureAwait(false);
        return await RegistrationTokenAsync(session, "/v1/hosts", "add this machine as a host", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A new registration token for the host this machine already is (a new host when the control plane forgot it).</summary>
    public async Task<string> RenewRegistrationTokenAsync(BootstrapCredentials admin, string hostId, CancellationToken cancellationToken)
    {
        var session = await LoginAsync(admin, cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(controlPlane, $"/v1/hosts/{Uri.EscapeDataString(hostId)}/token"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session);
        using var renewed = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (renewed.StatusCode == HttpStatusCode.NotFound)
        {
            return await RegistrationTokenAsync(session, "/v1/hosts", "add this machine as a host", cancellationToken).ConfigureAwait(false);
        }

        var host = await ReadAsync(renewed, $"renew host {hostId}'s registration", cancellationToken).ConfigureAwait(false);
        return host.GetProperty("registration_token").GetString() ?? throw new InvalidOperationException("the control plane gave no registration token");
    }

    /// <summary>
    /// The host id this machine has in the database whose first admin's team is <paramref name="teamId"/>:
    /// from the copy kept for that database ($WRENN_DIR/host-token.TEAM), else from the agent's last
    /// registration ($WRENN_DIR/host-token, which may be another database's after a switch: the
    /// control plane then answers 404 and the host is added anew), else null.
    /// </summary>
    public static async Task<string?> RegisteredHostIdAsync(string wrennDir, string teamId, CancellationToken cancellationToken)
    {
        var kept = KeptHostTokenPath(wrennDir, teamId);
        var path = File.Exists(kept) ? kept : Path.Combine(wrennDir, "host-token");
        if (!File.Exists(path))
        {
            return null;
        }

        await using var stream = File.OpenRead(path);
        using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        return document.RootElement.TryGetProperty("host_id", out var id) ? id.GetString() : null;
    }

    /// <summary>Keeps the agent's registration for this database, so a switch back finds the same host.</summary>
    public static void KeepHostToken(string wrennDir, string teamId)
    {
        var path = Path.Combine(wrennDir, "host-token");
        if (File.Exists(path))
        {
            File.Copy(path, KeptHostTokenPath(wrennDir, teamId), overwrite: true);
            File.SetUnixFileMode(KeptHostTokenPath(wrennDir, teamId), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static string KeptHostTokenPath(string wrennDir, string teamId) => Path.Combine(wrennDir, $"host-token.{teamId}");

    private async Task<string> LoginAsync(BootstrapCredentials admin, CancellationToken cancellationToken)
    {
        using var login = await http.PostAsJsonAsync(new Uri(controlPlane, "/v1/auth/login"), new Dictionary<string, string> { ["email"] = admin.Email, ["password"] = admin.Password }, cancellationToken).ConfigureAwait(false);
        var session = await ReadAsync(login, "log in as the first admin", cancellationToken).ConfigureAwait(false);
        return session.GetProperty("token").GetString() ?? throw new InvalidOperationException("the control plane gave no session token");
    }

    private async Task<string> RegistrationTokenAsync(string session, string path, string what, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(controlPlane, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session);
        using var created = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var host = await ReadAsync(created, what, cancellationToken).ConfigureAwait(false);
        return host.GetProperty("registration_token").GetString() ?? throw new InvalidOperationException("the control plane gave no registration token");
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"could not {what} ({(int)response.StatusCode}): {text}");
        }

        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
