using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.Common.Bootstrap;

namespace Wrenn.Cli.Up;

/// <summary>Asks the control plane for a host registration token, as an administrator (the first admin's credentials).</summary>
public sealed class HostEnrollment(HttpClient http, Uri controlPlane)
{
    public async Task<string> NewRegistrationTokenAsync(BootstrapCredentials admin, CancellationToken cancellationToken)
    {
        using var login = await http.PostAsJsonAsync(new Uri(controlPlane, "/v1/auth/login"), new Dictionary<string, string> { ["email"] = admin.Email, ["password"] = admin.Password }, cancellationToken).ConfigureAwait(false);
        var session = await ReadAsync(login, "log in as the first admin", cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(controlPlane, "/v1/hosts"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session.GetProperty("token").GetString());
        using var created = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var host = await ReadAsync(created, "add this machine as a host", cancellationToken).ConfigureAwait(false);
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
