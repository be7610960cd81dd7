namespace Wrenn.Sdk;

/// <summary>
/// <c>client.Hosts</c>: the hosts that run sandboxes (administrators only, with a user session). Add one
/// (a registration token for <c>wrenn-agent --register</c>), list, drain before maintenance, remove.
/// </summary>
public sealed class WrennHosts
{
    private const string Base = "/v1/hosts";

    private readonly WrennClient _client;

    internal WrennHosts(WrennClient client) => _client = client;

    /// <summary>Every host, oldest first.</summary>
    public async Task<IReadOnlyList<HostInfo>> ListAsync(CancellationToken cancellationToken = default) =>
        (await _client.SendJsonAsync(HttpMethod.Get, Base, null, SdkJsonContext.Default.HostList, Credential.Session, cancellationToken).ConfigureAwait(false)).Hosts;

    /// <summary>One host; a draining one with how far emptying it has got (<see cref="HostInfo.Drain"/>).</summary>
    public Task<HostInfo> GetAsync(string hostId, CancellationToken cancellationToken = default) =>
        _client.SendJsonAsync(HttpMethod.Get, Path(hostId), null, SdkJsonContext.Default.HostInfo, Credential.Session, cancellationToken);

    /// <summary>Adds a host (pending until its agent registers with the token).</summary>
    public Task<HostRegistration> CreateAsync(CancellationToken cancellationToken = default) =>
        _client.SendJsonAsync(HttpMethod.Post, Base, null, SdkJsonContext.Default.HostRegistration, Credential.Session, cancellationToken);

    /// <summary>A new registration token for a host (its agent was reinstalled or moved); every token issued to it so far stops working.</summary>
    public Task<HostRegistration> NewTokenAsync(string hostId, CancellationToken cancellationToken = default) =>
        _client.SendJsonAsync(HttpMethod.Post, Path(hostId) + "/token", null, SdkJsonContext.Default.HostRegistration, Credential.Session, cancellationToken);

    /// <summary>Removes a host without live sandboxes or templates (<see cref="WrennConflictException"/> otherwise).</summary>
    public Task DeleteAsync(string hostId, CancellationToken cancellationToken = default) =>
        _client.SendJsonAsync(HttpMethod.Delete, Path(hostId), Credential.Session, cancellationToken);

    /// <summary>
    /// Drains a host: it gets no new sandboxes until <see cref="UndrainAsync"/>, and the control plane
    /// pauses its sandboxes and moves them to other hosts in the background (<see cref="GetAsync"/>
    /// shows how many are left). Returns the host as it is now (state <c>draining</c>).
    /// </summary>
    public Task<HostInfo> DrainAsync(string hostId, CancellationToken cancellationToken = default) =>
        SetDrainingAsync(hostId, HttpMethod.Post, cancellationToken);

    /// <summary>Ends a drain: the host takes new sandboxes again. Returns the host as it is now.</summary>
    public Task<HostInfo> UndrainAsync(string hostId, CancellationToken cancellationToken = default) =>
        SetDrainingAsync(hostId, HttpMethod.Delete, cancellationToken);

    private async Task<HostInfo> SetDrainingAsync(string hostId, HttpMethod method, CancellationToken cancellationToken)
    {
        var answer = await _client.SendJsonAsync(method, Path(hostId) + "/drain", null, cancellationToken, Credential.Session).ConfigureAwait(false);
        if (answer?["id"] is not null)
        {
            return System.Text.Json.JsonSerializer.Deserialize(answer, SdkJsonContext.Default.HostInfo)!;
        }

        // An answer without the host (204): the list says how it is now.
        return (await ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(h => h.Id == hostId)
            ?? throw WrennApiException.For(404, "not_found", $"host {hostId} not found");
    }

    private static string Path(string hostId) => Base + "/" + Uri.EscapeDataString(hostId);
}
