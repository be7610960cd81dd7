using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.HostAgent.V1;

namespace Wrenn.Agent.Rpc;

/// <summary>
/// The gRPC face of the agent: translates messages to and from the sandbox manager and nothing else.
/// Authentication and error mapping happen in interceptors.
/// </summary>
public sealed class HostAgentService(SandboxManager manager, HostInfoProvider hostInfo) : HostAgent.HostAgentBase
{
    public override async Task<CreateSandboxResponse> CreateSandbox(CreateSandboxRequest request, ServerCallContext context)
    {
        var spec = new CreateSandboxSpec(
            request.SandboxId,
            request.Template,
            request.Vcpus,
            request.MemoryMb,
            request.TimeoutSec,
            request.Env.ToDictionary(StringComparer.Ordinal));
        var sandbox = await manager.CreateAsync(spec, context.CancellationToken).ConfigureAwait(false);
        return new CreateSandboxResponse { Sandbox = ToInfo(sandbox) };
    }

    public override async Task<DestroySandboxResponse> DestroySandbox(DestroySandboxRequest request, ServerCallContext context)
    {
        await manager.DestroyAsync(request.SandboxId, context.CancellationToken).ConfigureAwait(false);
        return new DestroySandboxResponse();
    }

    public override async Task<ExecResponse> Exec(ExecRequest request, ServerCallContext context)
    {
        var spec = new ExecSpec(
            request.SandboxId,
            request.Cmd,
            [.. request.Args],
            request.Env.ToDictionary(StringComparer.Ordinal),
            string.IsNullOrEmpty(request.Cwd) ? null : request.Cwd,
            request.TimeoutSec == 0 ? null : TimeSpan.FromSeconds(request.TimeoutSec),
            string.IsNullOrEmpty(request.User) ? null : request.User);
        var result = await manager.ExecAsync(spec, context.CancellationToken).ConfigureAwait(false);
        return new ExecResponse
        {
            Stdout = ByteString.CopyFrom(result.Stdout),
            Stderr = ByteString.CopyFrom(result.Stderr),
            ExitCode = result.ExitCode,
        };
    }

    public override Task<ListSandboxesResponse> ListSandboxes(ListSandboxesRequest request, ServerCallContext context)
    {
        var response = new ListSandboxesResponse { Host = hostInfo.Describe(manager.RuntimeName) };
        response.Sandboxes.Add(manager.List().Select(ToInfo));
        return Task.FromResult(response);
    }

    private SandboxInfo ToInfo(Sandbox sandbox) => new()
    {
        SandboxId = sandbox.Id,
        Template = sandbox.Spec.Template,
        State = sandbox.State switch
        {
            Sandboxes.SandboxState.Starting => Common.HostAgent.V1.SandboxState.Starting,
            Sandboxes.SandboxState.Running => Common.HostAgent.V1.SandboxState.Running,
            Sandboxes.SandboxState.Stopping => Common.HostAgent.V1.SandboxState.Stopping,
            _ => Common.HostAgent.V1.SandboxState.Error,
        },
        Runtime = manager.RuntimeName,
        Vcpus = sandbox.Spec.Vcpus,
        MemoryMb = sandbox.Spec.MemoryMb,
        StartedAt = Timestamp.FromDateTimeOffset(sandbox.StartedAt),
        EnvdAddress = sandbox.EnvdUri is { } uri ? $"{uri.Host}:{uri.Port}" : string.Empty,
    };
}
