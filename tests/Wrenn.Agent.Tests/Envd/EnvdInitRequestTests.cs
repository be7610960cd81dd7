using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Envd;

namespace Wrenn.Agent.Tests.Envd;

/// <summary>What the agent's /init carries: the current token as authorization, the new one, fresh entropy, and a hostname when asked.</summary>
public sealed class EnvdInitRequestTests
{
    [Fact]
    public async Task Init_is_authorized_by_the_current_token_and_brings_a_new_one_and_fresh_entropy_every_time()
    {
        var ct = TestContext.Current.CancellationToken;
        var seen = new RecordingHandler();
        using var http = new HttpClient(seen);
        var client = new EnvdClient(http, Microsoft.Extensions.Options.Options.Create(new EnvdClientOptions()), NullLogger<EnvdClient>.Instance);
        var envd = new Uri("http://10.12.0.7:49983");

        await client.InitAsync(envd, "start-token", "sandbox-token", new Dictionary<string, string> { ["A"] = "1" }, "user", hostname: null, ct);
        await client.InitAsync(envd, "sandbox-token", "sandbox-token", new Dictionary<string, string>(), "user", hostname: null, ct);

        Assert.Equal(2, seen.Requests.Count);
        Assert.Equal(["start-token", "sandbox-token"], seen.Requests.Select(r => r.Token));
        var entropy = new List<byte[]>();
        foreach (var (_, body) in seen.Requests)
        {
            using var json = JsonDocument.Parse(body);
            Assert.Equal("sandbox-token", json.RootElement.GetProperty("accessToken").GetString());
            entropy.Add(Convert.FromBase64String(json.RootElement.GetProperty("entropy").GetString()!));
        }

        Assert.All(entropy, e => Assert.Equal(64, e.Length));
        Assert.NotEqual(entropy[0], entropy[1]);
    }

    [Fact]
    public async Task An_init_that_gets_no_answer_fails_with_a_timeout_instead_of_waiting_for_good()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient(new NeverAnsweringHandler());
        var options = new EnvdClientOptions { InitTimeout = TimeSpan.FromMilliseconds(300) };
        var client = new EnvdClient(http, Microsoft.Extensions.Options.Options.Create(options), NullLogger<EnvdClient>.Instance);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.InitAsync(new Uri("http://10.12.0.7:49983"), "start-token", "sandbox-token", new Dictionary<string, string>(), "user", hostname: null, ct));

        Assert.Contains("did not answer /init", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.6.4", "0.6.4")]
    [InlineData("1.12.0", "1.12.0")]
    [InlineData(null, null)]
    [InlineData("0.6.4; rm -rf /", null)]
    [InlineData("99999999999.0.0", null)]
    [InlineData("v0.6.4", null)]
    public async Task Init_learns_the_envd_version_from_the_answer_but_only_a_plain_version(string? header, string? expected)
    {
        using var http = new HttpClient(new RecordingHandler(version: header));
        var client = new EnvdClient(http, Microsoft.Extensions.Options.Options.Create(new EnvdClientOptions()), NullLogger<EnvdClient>.Instance);
        Assert.Equal(expected, (await client.InitAsync(new Uri("http://10.12.0.7:49983"), "t", "t", new Dictionary<string, string>(), "user", hostname: null, TestContext.Current.CancellationToken)).Version);
    }

    [Theory]
    [InlineData("sb-0123456789abcdef", "sb-0123456789abcdef", "sb-0123456789abcdef")]
    [InlineData("sb-0123456789abcdef", null, null)]
    [InlineData("sb-0123456789abcdef", "someone-else", null)]
    [InlineData(null, "sb-0123456789abcdef", null)]
    public async Task Init_asks_for_a_hostname_only_when_given_and_counts_only_the_name_it_asked_for(string? asked, string? header, string? named)
    {
        var seen = new RecordingHandler(named: header);
        using var http = new HttpClient(seen);
        var client = new EnvdClient(http, Microsoft.Extensions.Options.Options.Create(new EnvdClientOptions()), NullLogger<EnvdClient>.Instance);

        var answer = await client.InitAsync(new Uri("http://10.12.0.7:49983"), "t", "t", new Dictionary<string, string>(), "user", asked, TestContext.Current.CancellationToken);

        Assert.Equal(named, answer.NamedAs);
        using var json = JsonDocument.Parse(Assert.Single(seen.Requests).Body);
        Assert.Equal(asked, json.RootElement.TryGetProperty("hostname", out var hostname) ? hostname.GetString() : null);
    }

    [Fact]
    public async Task A_refused_init_is_an_error()
    {
        using var http = new HttpClient(new RecordingHandler(HttpStatusCode.Conflict));
        var client = new EnvdClient(http, Microsoft.Extensions.Options.Options.Create(new EnvdClientOptions()), NullLogger<EnvdClient>.Instance);
        var error = await Assert.ThrowsAsync<EnvdCallException>(() => client.InitAsync(new Uri("http://10.12.0.7:49983"), "t", "t", new Dictionary<string, string>(), "user", hostname: null, TestContext.Current.CancellationToken));
        Assert.Equal("http_409", error.Code);
    }

    /// <summary>Answers every request with one status (and X-Envd-Version and X-Wrenn-Hostname, when given) and keeps each request's X-Access-Token and body.</summary>
    private sealed class RecordingHandler(HttpStatusCode status = HttpStatusCode.NoContent, string? version = null, string? named = null) : HttpMessageHandler
    {
        public List<(string? Token, string Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Assert.Equal("/init", request.RequestUri!.AbsolutePath);
            var token = request.Headers.TryGetValues("X-Access-Token", out var values) ? values.Single() : null;
            Requests.Add((token, await request.Content!.ReadAsStringAsync(cancellationToken)));
            var response = new HttpResponseMessage(status) { Content = new StringContent("refused") };
            if (version is not null)
            {
                response.Headers.TryAddWithoutValidation("X-Envd-Version", version);
            }

            if (named is not null)
            {
                response.Headers.TryAddWithoutValidation("X-Wrenn-Hostname", named);
            }

            return response;
        }
    }
}
