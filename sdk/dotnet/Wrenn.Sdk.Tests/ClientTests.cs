using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace Wrenn.Sdk.Tests;

/// <summary>Settings, error mapping and retries, without a platform.</summary>
[Collection(SdkCollection.Name)]
public sealed class ClientTests
{
    private static WrennOptions Options => new() { ApiUrl = "http://127.0.0.1:9", ApiKey = "wrn_test", RetryDelay = TimeSpan.FromMilliseconds(1) };

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, typeof(WrennBadRequestException))]
    [InlineData(HttpStatusCode.Unauthorized, typeof(WrennUnauthorizedException))]
    [InlineData(HttpStatusCode.Forbidden, typeof(WrennForbiddenException))]
    [InlineData(HttpStatusCode.NotFound, typeof(WrennNotFoundException))]
    [InlineData(HttpStatusCode.Conflict, typeof(WrennConflictException))]
    [InlineData(HttpStatusCode.NotImplemented, typeof(WrennNotSupportedException))]
    [InlineData(HttpStatusCode.InternalServerError, typeof(WrennSandboxException))]
    public async Task Error_envelopes_become_typed_exceptions_with_the_servers_code_and_message(HttpStatusCode status, Type expected)
    {
        using var handler = new ScriptedHandler((status, """{"error": {"code": "the_code", "message": "the message"}}"""));
        using var http = new HttpClient(handler);
        var client = new WrennClient(http, Options);
        var error = await Assert.ThrowsAnyAsync<WrennApiException>(() => client.ConnectAsync("sb-0000000000000000", TestContext.Current.CancellationToken));
        Assert.IsType(expected, error);
        Assert.Equal(((int)status, "the_code", "the message"), (error.Status, error.Code, error.ServerMessage));
        Assert.Equal("wrn_test", handler.Requests[0].Headers.GetValues("X-API-Key").Single());
    }

    [Fact]
    public async Task Idempotent_calls_retry_on_503_but_creates_do_not()
    {
        const string sandbox = """{"id": "sb-0000000000000001", "state": "running"}""";
        using var handler = new ScriptedHandler((HttpStatusCode.ServiceUnavailable, "{}"), (HttpStatusCode.OK, sandbox));
        using var http = new HttpClient(handler);
        var connected = await new WrennClient(http, Options).ConnectAsync("sb-0000000000000001", TestContext.Current.CancellationToken);
        Assert.Equal(("sb-0000000000000001", 2), (connected.Id, handler.Requests.Count));

        using var creates = new ScriptedHandler((HttpStatusCode.ServiceUnavailable, """{"error": {"code": "no_capacity", "message": "busy"}}"""), (HttpStatusCode.Created, sandbox));
        using var createHttp = new HttpClient(creates);
        await Assert.ThrowsAsync<WrennSandboxException>(() => new WrennClient(createHttp, Options).CreateSandboxAsync(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Single(creates.Requests);
    }

    [Fact]
    public void Settings_come_from_options_then_the_environment_then_the_config_file()
    {
        var home = Directory.CreateTempSubdirectory("wrenn-sdk-config-").FullName;
        var saved = (Environment.GetEnvironmentVariable("XDG_CONFIG_HOME"), Environment.GetEnvironmentVariable("WRENN_API_URL"), Environment.GetEnvironmentVariable("WRENN_API_KEY"));
        try
        {
            Directory.CreateDirectory(Path.Combine(home, "wrenn"));
            File.WriteAllText(Path.Combine(home, "wrenn", "config.json"), """{"api_url": "http://file:1", "api_key": "wrn_file"}""");
            Environment.SetEnvironmentVariable("XDG_CONFIG_HOME", home);
            Environment.SetEnvironmentVariable("WRENN_API_URL", null);
            Environment.SetEnvironmentVariable("WRENN_API_KEY", null);
            Assert.Equal(new WrennSettings(new Uri("http://file:1"), "wrn_file"), WrennSettings.Resolve());
            Environment.SetEnvironmentVariable("WRENN_API_URL", "http://env:2/");
            Assert.Equal(new Uri("http://env:2"), WrennSettings.Resolve().ApiUrl);
            Assert.Equal("wrn_opt", WrennSettings.Resolve(new WrennOptions { ApiKey = "wrn_opt" }).ApiKey);
            File.Delete(Path.Combine(home, "wrenn", "config.json"));
            Assert.Contains("WRENN_API_KEY", Assert.Throws<WrennConfigurationException>(() => WrennSettings.Resolve()).Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_CONFIG_HOME", saved.Item1);
            Environment.SetEnvironmentVariable("WRENN_API_URL", saved.Item2);
            Environment.SetEnvironmentVariable("WRENN_API_KEY", saved.Item3);
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public void AddWrenn_registers_a_client_with_the_configured_options()
    {
        var services = new ServiceCollection();
        services.AddWrenn(o =>
        {
            o.ApiUrl = "http://configured:8000";
            o.ApiKey = "wrn_di";
        });
        using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<WrennClient>();
        Assert.Equal((new Uri("http://configured:8000"), "wrn_di"), (client.Settings.ApiUrl, client.Settings.ApiKey));
    }
}
