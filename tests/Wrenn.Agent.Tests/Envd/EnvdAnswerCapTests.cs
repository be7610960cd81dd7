using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Envd;
using Wrenn.Envd.Protocol.Filesystem;

namespace Wrenn.Agent.Tests.Envd;

/// <summary>
/// envd runs inside the sandbox, so a tenant can make it answer with anything: the agent reads its
/// answers only up to a cap, fails that call with a clear error, and goes on serving.
/// </summary>
public sealed class EnvdAnswerCapTests
{
    private const int Cap = 1024 * 1024;

    [Fact]
    public async Task An_endless_directory_listing_fails_the_call_at_the_cap_and_the_next_call_works()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var envd = await HostileEnvd.StartAsync(ct);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var client = new EnvdClient(http, Microsoft.Extensions.Options.Options.Create(new EnvdClientOptions { MaxResponseBytes = Cap }), NullLogger<EnvdClient>.Instance);
        var endpoint = new EnvdEndpoint(envd.BaseUri, "token");

        // Before the cap, this read until 2 GB were buffered (HttpClient's own limit) or memory ran out.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(TimeSpan.FromSeconds(30));
        var refused = await Assert.ThrowsAsync<EnvdResponseTooLargeException>(() =>
            client.CallAsync(endpoint, "filesystem.Filesystem/ListDir", new ListDirRequest { Path = "/" }, ListDirResponse.Parser, budget.Token));
        Assert.Contains("exceeded 1048576 bytes", refused.Message, StringComparison.Ordinal);

        // The agent hung up rather than reading (or draining) the endless answer on.
        await envd.HungUp.WaitAsync(TimeSpan.FromSeconds(10), ct);

        var stat = await client.CallAsync(endpoint, "filesystem.Filesystem/Stat", new StatRequest { Path = "/ok" }, StatResponse.Parser, ct);
        Assert.Equal("ok", stat.Entry.Name);
    }

    [Fact]
    public async Task An_endless_error_text_is_cut_and_reported_as_the_error()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var envd = await HostileEnvd.StartAsync(ct);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var options = new EnvdClientOptions { MaxErrorBodyBytes = 4096 };
        var client = new EnvdClient(http, Microsoft.Extensions.Options.Options.Create(options), NullLogger<EnvdClient>.Instance);

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(TimeSpan.FromSeconds(30));
        var failed = await Assert.ThrowsAsync<EnvdCallException>(() =>
            client.CallAsync(new EnvdEndpoint(envd.BaseUri, "token"), "filesystem.Filesystem/Remove", new RemoveRequest { Path = "/x" }, RemoveResponse.Parser, budget.Token));
        Assert.Equal("http_500", failed.Code);
        Assert.Equal(options.MaxErrorBodyBytes, failed.ErrorMessage.Length);
    }
}
