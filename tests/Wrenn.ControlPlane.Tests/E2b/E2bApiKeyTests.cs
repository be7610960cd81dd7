using System.Net;

namespace Wrenn.ControlPlane.Tests.E2b;

/// <summary>
/// E2B's SDKs send the key in X-API-KEY and some insist it looks like e2b_&lt;hex&gt;: every wrn_ key is
/// also accepted as e2b_ with the same hex, under any case of the header name, and nothing else is.
/// </summary>
public sealed class E2bApiKeyTests(SharedControlPlane shared) : IClassFixture<SharedControlPlane>
{
    private readonly RunningControlPlane _plane = shared.Instance;
    private readonly string _key = shared.ApiKey;

    [Theory]
    [InlineData("X-API-KEY")]
    [InlineData("x-api-key")]
    [InlineData("X-API-Key")]
    public async Task The_e2b_spelling_of_a_key_authenticates_under_any_case_of_the_header(string header)
    {
        Assert.StartsWith("wrn_", _key, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, await StatusWithAsync(header, "e2b_" + _key["wrn_".Length..]));
        Assert.Equal(HttpStatusCode.OK, await StatusWithAsync(header, _key));
    }

    [Theory]
    [InlineData("e2b_0123456789abcdef0123456789abcdef")]
    [InlineData("e2b_")]
    [InlineData("e2b_NOTHEX")]
    [InlineData("E2B_0123456789abcdef0123456789abcdef")]
    public async Task Other_e2b_looking_keys_are_refused(string presented)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusWithAsync("X-API-KEY", presented));
    }

    [Fact]
    public async Task The_e2b_spelling_with_upper_case_hex_is_refused_like_the_wrn_one()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusWithAsync("X-API-KEY", "e2b_" + _key["wrn_".Length..].ToUpperInvariant()));
    }

    private async Task<HttpStatusCode> StatusWithAsync(string header, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/sandboxes");
        request.Headers.TryAddWithoutValidation(header, key);
        using var response = await _plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }
}
