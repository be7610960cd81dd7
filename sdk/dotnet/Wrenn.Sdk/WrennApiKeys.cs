using System.Text.Json.Nodes;

namespace Wrenn.Sdk;

/// <summary><c>client.ApiKeys</c>: your team's API keys (with a user session).</summary>
public sealed class WrennApiKeys
{
    private const string Base = "/v1/api-keys";

    private readonly WrennClient _client;

    internal WrennApiKeys(WrennClient client) => _client = client;

    /// <summary>Your team's keys (without the keys themselves).</summary>
    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken cancellationToken = default) =>
        (await _client.SendJsonAsync(HttpMethod.Get, Base, null, SdkJsonContext.Default.ApiKeyList, Credential.Session, cancellationToken).ConfigureAwait(false)).ApiKeys;

    /// <summary>Makes a key; <see cref="ApiKeyInfo.Key"/> holds it, this once.</summary>
    public Task<ApiKeyInfo> CreateAsync(string name, CancellationToken cancellationToken = default) =>
        _client.SendJsonAsync(HttpMethod.Post, Base, new JsonObject { ["name"] = name }, SdkJsonContext.Default.ApiKeyInfo, Credential.Session, cancellationToken);

    /// <summary>Revokes a key: calls made with it fail from now on.</summary>
    public Task DeleteAsync(string keyId, CancellationToken cancellationToken = default) =>
        _client.SendJsonAsync(HttpMethod.Delete, Base + "/" + Uri.EscapeDataString(keyId), Credential.Session, cancellationToken);
}
