using System.Net;
using System.Text.RegularExpressions;
using Grpc.Core;

namespace Wrenn.ControlPlane.Tests.Telemetry;

/// <summary>
/// Log lines about a sandbox carry its id as the <c>SandboxId</c> scope (a field of its own with
/// WRENN_LOG_FORMAT=json) also where no request path names it: a create (the id is made by the control
/// plane) and the reconciler's work. A control plane whose host is an <see cref="InMemoryHostAgent"/>.
/// </summary>
public sealed partial class SandboxLogScopeTests : IAsyncLifetime
{
    private readonly InMemoryHostAgent _host = new();
    private FakeAgent _agent = null!;
    private RunningControlPlane _plane = null!;
    private ControlPlaneApi _api = null!;
    private string _key = null!;

    public async ValueTask InitializeAsync()
    {
        _agent = await FakeAgent.StartAsync(_host);
        _plane = await RunningControlPlane.StartAsync(configure: options => options.ReconcileInterval = TimeSpan.FromMilliseconds(200));
        _api = new ControlPlaneApi(_plane);
        var (admin, _) = await _api.AdminAsync();
        await _api.RegisterHostAsync(admin, _agent.Address);
        _key = await _plane.ApiKeyAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _plane.DisposeAsync();
        await _agent.DisposeAsync();
    }

    [Fact]
    public async Task The_log_line_of_a_failed_creates_error_id_carries_the_sandbox_id()
    {
        _host.CreateFailure = new RpcException(new Status(StatusCode.Unavailable, "connection reset by peer"));
        _host.FailAfterCreating = true;

        var error = await _api.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { }, HttpStatusCode.BadGateway, apiKey: _key);

        // What an operator does with the answer: find its error id in the log, and learn which sandbox it was.
        var errorId = ErrorId().Match(error.GetProperty("error").GetProperty("message").GetString()!).Value;
        var line = Assert.Single(_plane.Log.Entries, e => e.Message.Contains(errorId, StringComparison.Ordinal));
        var sandboxId = Assert.IsType<string>(line.ScopeValues.GetValueOrDefault("SandboxId"));
        Assert.StartsWith("sb-", sandboxId, StringComparison.Ordinal);

        // The same id as the lines before it name: the host was asked for it, and told to destroy it.
        var failed = Assert.Single(_plane.Log.Entries, e => e.EventId.Id == 2401);
        Assert.Contains(sandboxId, failed.Message, StringComparison.Ordinal);
        Assert.Equal(sandboxId, failed.ScopeValues.GetValueOrDefault("SandboxId"));
        Assert.Contains(sandboxId, _host.Destroyed);
    }

    [Fact]
    public async Task The_reconcilers_line_about_a_sandbox_gone_from_its_host_carries_the_sandbox_id()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = (await _api.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { }, HttpStatusCode.Created, apiKey: _key)).GetProperty("id").GetString()!;
        Assert.True(_host.Remove(id));

        CapturedEntry? gone = null;
        for (var i = 0; i < 300 && gone is null; i++)
        {
            gone = _plane.Log.Entries.FirstOrDefault(e => e.EventId.Id == 2121 && e.Message.Contains(id, StringComparison.Ordinal));
            if (gone is null)
            {
                await Task.Delay(100, ct);
            }
        }

        Assert.NotNull(gone);
        Assert.Equal(id, gone.ScopeValues.GetValueOrDefault("SandboxId"));
        var state = (await _api.SendAsync(HttpMethod.Get, $"/v1/sandboxes/{id}", null, HttpStatusCode.OK, apiKey: _key)).GetProperty("state").GetString();
        Assert.Equal("stopped", state);
    }

    [GeneratedRegex("err-[0-9a-f]{16}")]
    private static partial Regex ErrorId();
}
