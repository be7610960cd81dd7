using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Wrenn.ControlPlane.E2b;

namespace Wrenn.ControlPlane.Tests.E2b;

/// <summary>
/// The query of E2B's GET /v2/sandboxes read as E2B's server reads it: the metadata filter as the SDK
/// encodes it, states, order, limits and next tokens, and a 400 message for each thing that is wrong.
/// </summary>
public sealed class E2bQueryParsingTests
{
    [Fact]
    public void Metadata_encoded_as_the_SDK_encodes_it_decodes_to_the_pairs_asked_for()
    {
        // The SDK: encodeURIComponent on each key and value, URLSearchParams over the pairs, and the
        // query serializer's encodeURIComponent on the whole; ASP.NET undoes the last.
        var pairs = new Dictionary<string, string> { ["user"] = "a b&c=d", ["app"] = "prød/1%" };
        var inner = string.Join('&', pairs.Select(p => FormEncode(Uri.EscapeDataString(p.Key)) + "=" + FormEncode(Uri.EscapeDataString(p.Value))));
        var url = "/v2/sandboxes?metadata=" + Uri.EscapeDataString(inner);

        var (query, error) = E2bListQuery.Parse(Query(url));

        Assert.Null(error);
        Assert.Equal(pairs.OrderBy(p => p.Key), query!.Metadata.OrderBy(p => p.Key));
    }

    [Theory]
    [InlineData("metadata=novalue", "metadata")]
    [InlineData("metadata=a%3Db%3Dc", "metadata")]
    [InlineData("metadata=a%3D%25zz", "metadata")]
    [InlineData("state=stopped", "state")]
    [InlineData("state=running,bogus", "state")]
    [InlineData("order=sideways", "order")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=-3", "limit")]
    [InlineData("limit=many", "limit")]
    [InlineData("startedAfter=yesterday", "startedAfter")]
    [InlineData("nextToken=not-a-token", "nextToken")]
    public void A_bad_parameter_is_named_in_the_error(string queryText, string parameter)
    {
        var (query, error) = E2bListQuery.Parse(Query("/v2/sandboxes?" + queryText));
        Assert.Null(query);
        Assert.StartsWith(parameter + ":", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_both_states_newest_first_and_a_hundred_per_page()
    {
        var (query, error) = E2bListQuery.Parse(Query("/v2/sandboxes"));
        Assert.Null(error);
        Assert.Equal(["paused", "running"], query!.States.Order(StringComparer.Ordinal));
        Assert.False(query.Ascending);
        Assert.Equal(100, query.Limit);
        Assert.Empty(query.Metadata);

        var (big, _) = E2bListQuery.Parse(Query("/v2/sandboxes?limit=5000&state=paused&state=running&order=asc"));
        Assert.Equal(100, big!.Limit);
        Assert.True(big.Ascending);
        Assert.Equal(2, big.States.Count);
    }

    [Fact]
    public void A_next_token_round_trips_and_is_refused_under_the_other_order()
    {
        var token = new E2bNextToken(new DateTime(2026, 12, 5, 9, 0, 0, DateTimeKind.Utc), "sb-0123456789abcdef", Ascending: false);
        var (query, error) = E2bListQuery.Parse(Query("/v2/sandboxes?nextToken=" + token.Encode()));
        Assert.Null(error);
        Assert.Equal(token, query!.After);

        var (_, other) = E2bListQuery.Parse(Query("/v2/sandboxes?order=asc&nextToken=" + token.Encode()));
        Assert.StartsWith("nextToken:", other, StringComparison.Ordinal);

        // Descending: what comes after the position started earlier (or at the same time, with a smaller id).
        Assert.True(token.Precedes(token.StartedAt.AddSeconds(-1), "sb-ffffffffffffffff"));
        Assert.True(token.Precedes(token.StartedAt, "sb-0000000000000000"));
        Assert.False(token.Precedes(token.StartedAt, token.Id));
        Assert.False(token.Precedes(token.StartedAt.AddSeconds(1), "sb-0000000000000000"));
    }

    [Theory]
    [InlineData("a+b", "a b")]
    [InlineData("%41%c3%a9", "Aé")]
    [InlineData("plain", "plain")]
    public void Unescape_reads_percent_escapes_and_plus_as_Go_does(string text, string expected) =>
        Assert.Equal(expected, E2bMetadataQuery.Unescape(text));

    [Theory]
    [InlineData("%")]
    [InlineData("%4")]
    [InlineData("%g1")]
    public void Unescape_refuses_broken_escapes(string text) => Assert.Null(E2bMetadataQuery.Unescape(text));

    private static string FormEncode(string text) => Uri.EscapeDataString(text).Replace("%20", "+", StringComparison.Ordinal);

    private static QueryCollection Query(string url) => new(QueryHelpers.ParseQuery(new Uri("http://x" + url).Query));
}
