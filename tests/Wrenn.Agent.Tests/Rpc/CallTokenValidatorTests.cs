using System.Security.Cryptography;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Registration;
using Wrenn.Agent.Rpc;
using Wrenn.Common.HostAgent.V1;

namespace Wrenn.Agent.Tests.Rpc;

/// <summary>
/// A call token read off the wire is good for one call only: its own method, its own request, once,
/// within its minute. Before, one token served every call for five minutes.
/// </summary>
public sealed class CallTokenValidatorTests
{
    private const string Exec = "/hostagent.v1.HostAgent/Exec";
    private const string Destroy = "/hostagent.v1.HostAgent/DestroySandbox";
    private const string ExecStream = "/hostagent.v1.HostAgent/ExecStream";

    private static readonly ExecRequest Request = new() { SandboxId = "sb-0123456789abcdef", Cmd = "echo hello" };

    private readonly CallTokenValidator _validator = new(
        new HostCredentials(TestCallTokens.HostId, "unused", TestCallTokens.Secret, "http://127.0.0.1:1", "127.0.0.1:2"),
        new CallTokenReplayCache(TimeProvider.System),
        NullLogger<CallTokenValidator>.Instance);

    [Fact]
    public async Task A_token_for_this_method_and_request_passes_once_and_its_replay_is_refused()
    {
        var token = TestCallTokens.Mint(Exec, Request);
        await _validator.ValidateAsync("Bearer " + token, Exec, Request);
        await RefusedAsync("used before", token, Exec, Request);
    }

    [Fact]
    public Task A_token_for_another_method_is_refused() =>
        RefusedAsync("another method", TestCallTokens.Mint(Exec, Request), Destroy, Request);

    [Fact]
    public Task A_token_for_another_request_body_is_refused() =>
        RefusedAsync("another request", TestCallTokens.Mint(Exec, Request), Exec, new ExecRequest { SandboxId = Request.SandboxId, Cmd = "rm -rf /" });

    [Fact]
    public Task An_expired_token_is_refused() =>
        RefusedAsync("invalid call token", TestCallTokens.Mint(Exec, Request, issuedAt: DateTime.UtcNow.AddMinutes(-3)), Exec, Request);

    [Fact]
    public Task A_token_issued_for_longer_than_a_minute_is_refused() =>
        RefusedAsync("longer than", TestCallTokens.Mint(Exec, Request, lifetime: TimeSpan.FromMinutes(5)), Exec, Request);

    [Fact]
    public Task A_token_signed_with_another_secret_is_refused() =>
        RefusedAsync("invalid call token", TestCallTokens.Mint(Exec, Request, secret: Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))), Exec, Request);

    [Fact]
    public async Task A_streaming_call_is_bound_to_its_method_and_a_single_use_id()
    {
        var token = TestCallTokens.Mint(ExecStream, request: null);
        await _validator.ValidateAsync("Bearer " + token, ExecStream, request: null);
        await RefusedAsync("used before", token, ExecStream, request: null);
        await RefusedAsync("another method", TestCallTokens.Mint(ExecStream, request: null), "/hostagent.v1.HostAgent/WriteFile", request: null);
    }

    [Fact]
    public Task A_call_without_a_token_is_refused() =>
        RefusedAsync("missing", token: null, Exec, Request);

    private async Task RefusedAsync(string reason, string? token, string method, Google.Protobuf.IMessage? request)
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => _validator.ValidateAsync(token is null ? null : "Bearer " + token, method, request));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains(reason, refused.Status.Detail, StringComparison.Ordinal);
    }
}
