using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wrenn.Agent.Registration;
using Wrenn.Agent.Rpc;
using Wrenn.Common.HostAgent.V1;
using Wrenn.Common.Security;

namespace Wrenn.Agent.Tests.Rpc;

/// <summary>
/// Mutual TLS between control plane and agent, on loopback, with certificates made here and loaded from
/// PEM files as an operator would configure them: the agent's TLS setup (AgentTls) on one side, the
/// control plane's checks (PeerCertificates) on the other, and the call token on top.
/// </summary>
public sealed class AgentMutualTlsTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wrenn-mtls-test-").FullName;
    private readonly X509Certificate2 _agentAuthority = TestCertificates.NewAuthority("agents");
    private readonly X509Certificate2 _controlPlaneAuthority = TestCertificates.NewAuthority("control planes");
    private readonly X509Certificate2 _strangerAuthority = TestCertificates.NewAuthority("stranger");
    private WebApplication _agent = null!;
    private Uri _address = null!;

    public async ValueTask InitializeAsync()
    {
        var options = new AgentOptions
        {
            TlsCertificatePath = TestCertificates.WritePem(_directory, "agent", TestCertificates.Issue(_agentAuthority, "agent")),
            TlsKeyPath = Path.Combine(_directory, "agent.key"),
            TlsClientCaPath = TestCertificates.WritePem(_directory, "cp-ca", _controlPlaneAuthority),
        };
        var tls = AgentTls.Load(options)!;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, endpoint =>
        {
            endpoint.Protocols = HttpProtocols.Http2;
            endpoint.UseHttps(https => AgentTls.Apply(https, tls));
        }));
        builder.Services.AddSingleton(new HostCredentials(TestCallTokens.HostId, "unused", TestCallTokens.Secret, "http://127.0.0.1:1", "127.0.0.1:2"));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CallTokenReplayCache>();
        builder.Services.AddSingleton<CallTokenValidator>();
        builder.Services.AddGrpc(grpc => grpc.Interceptors.Add<CallTokenInterceptor>());
        _agent = builder.Build();
        _agent.MapGrpcService<MetricsOnlyHostAgent>();
        await _agent.StartAsync();
        var bound = new Uri(_agent.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        _address = new Uri($"https://127.0.0.1:{bound.Port}");
    }

    public async ValueTask DisposeAsync()
    {
        await _agent.StopAsync();
        await _agent.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_control_plane_with_a_certificate_from_its_authority_calls_the_agent()
    {
        var response = await CallAsync(TestCertificates.Issue(_controlPlaneAuthority, "control plane"), _agentAuthority);
        Assert.Equal(MetricsOnlyHostAgent.HostCpus, response.HostCpus);
    }

    [Fact]
    public async Task A_caller_without_a_client_certificate_is_refused() =>
        await Assert.ThrowsAsync<RpcException>(() => CallAsync(clientCertificate: null, _agentAuthority));

    [Fact]
    public async Task A_client_certificate_from_another_authority_is_refused() =>
        await Assert.ThrowsAsync<RpcException>(() => CallAsync(TestCertificates.Issue(_strangerAuthority, "control plane"), _agentAuthority));

    [Fact]
    public async Task The_control_plane_refuses_an_agent_whose_certificate_is_not_from_the_agents_authority() =>
        await Assert.ThrowsAsync<RpcException>(() => CallAsync(TestCertificates.Issue(_controlPlaneAuthority, "control plane"), _strangerAuthority));

    /// <summary>One GetHostMetrics call the way the control plane makes it, with its certificates loaded from PEM files.</summary>
    private async Task<GetHostMetricsResponse> CallAsync(X509Certificate2? clientCertificate, X509Certificate2 trustedAgentAuthority)
    {
        var authority = PeerCertificates.LoadAuthority(TestCertificates.WritePem(_directory, "trusted-agent-ca", trustedAgentAuthority));
        var handler = new SocketsHttpHandler { UseProxy = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => PeerCertificates.IsValidServer(certificate, errors, authority);
        if (clientCertificate is not null)
        {
            var certificatePath = TestCertificates.WritePem(_directory, "client", clientCertificate);
            handler.SslOptions.ClientCertificates = [PeerCertificates.LoadPair(certificatePath, Path.Combine(_directory, "client.key"))];
        }

        using var channel = GrpcChannel.ForAddress(_address, new GrpcChannelOptions { HttpHandler = handler });
        var client = new HostAgent.HostAgentClient(channel);
        var request = new GetHostMetricsRequest();
        var headers = new Metadata { { "authorization", "Bearer " + TestCallTokens.Mint("/hostagent.v1.HostAgent/GetHostMetrics", request) } };
        return await client.GetHostMetricsAsync(request, headers, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: TestContext.Current.CancellationToken);
    }
}
