using System.Net;
using System.Text.Json;
using Grpc.Core;
using Wrenn.Common.Errors;
using Wrenn.ControlPlane.Tests.TestSupport;

namespace Wrenn.ControlPlane.Tests.Api;

/// <summary>
/// The agent refuses an upload as soon as it has the header (its disk is full) and ends the call while the control
/// plane is still sending the file's chunks. The caller must get the agent's reason (507 insufficient_storage), not
/// whatever the broken stream said when the next chunk was written (it was "the host agent failed", 500).
/// </summary>
public sealed class UploadRefusalTests : IAsyncLifetime
{
    private InMemoryAgentPlane _setup = null!;
    private InMemoryHostAgent _agent = null!;
    private RunningControlPlane _plane = null!;
    private ControlPlaneApi _api = null!;
    private string _key = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _setup = await InMemoryAgentPlane.StartAsync(RunningControlPlane.OpenSignup);
        (_agent, _plane, _api, _key) = (_setup.Agent, _setup.Plane, _setup.Api, _setup.Key);
    }

    public async ValueTask DisposeAsync()
    {
        await _setup.DisposeAsync();
    }

    [Fact]
    public async Task An_upload_the_agent_refuses_after_its_header_gets_the_agents_reason()
    {
        var id = (await _api.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { }, HttpStatusCode.Created, apiKey: _key)).GetProperty("id").GetString()!;
        using (var accepted = await UploadAsync(id, 1 << 20))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        _agent.WriteFileRefusal = new RpcException(
            new Status(StatusCode.ResourceExhausted, "the disk is full"),
            new Metadata { { AgentTrailers.Storage, "host" } });
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var refused = await UploadAsync(id, 32 << 20);
            var text = await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(refused.StatusCode == HttpStatusCode.InsufficientStorage, $"attempt {attempt}: {(int)refused.StatusCode} {text}");
            using var body = JsonDocument.Parse(text);
            Assert.Equal("insufficient_storage", body.RootElement.GetProperty("error").GetProperty("code").GetString());
        }
    }

    private async Task<HttpResponseMessage> UploadAsync(string id, int bytes)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/sandboxes/{id}/files?path=/home/user/data.bin")
        {
            Content = new ByteArrayContent(new byte[bytes]),
        };
        request.Headers.Add("X-API-Key", _key);
        return await _plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
