using Grpc.Core;
using Microsoft.Extensions.Options;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Sandboxes;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Hosts;

/// <inheritdoc cref="IAgentGateway"/>
public sealed class AgentGateway(AgentClientPool agents, IOptions<ControlPlaneOptions> options, ILogger<AgentGateway> logger) : IAgentGateway
{
    private AgentCallTimeouts Timeouts => options.Value.AgentTimeouts;

    public async Task<SandboxResult<Agent.SandboxInfo>> CreateSandboxAsync(HostEntity host, Agent.CreateSandboxRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var created = await agents.For(host).CreateSandboxAsync(request, deadline: Deadline(Timeouts.Create), cancellationToken: cancellationToken).ConfigureAwait(false);
            return created.Sandbox ?? new Agent.SandboxInfo { SandboxId = request.SandboxId };
        }
        catch (RpcException ex)
        {
            logger.CreateFailed(request.SandboxId, host.Id, ex.Status);
            if (AgentErrorMapping.OutcomeUnknown(ex))
            {
                // The agent may have finished after we stopped listening; make sure nothing stays behind.
                await UndoAsync(host, "sandbox", request.SandboxId, (client, deadline) => client.DestroySandboxAsync(new Agent.DestroySandboxRequest { SandboxId = request.SandboxId }, deadline: deadline).ResponseAsync).ConfigureAwait(false);
            }

            return AgentErrorMapping.ToError(ex, logger);
        }
    }

    public Task<SandboxResult<Agent.DestroySandboxResponse>> DestroySandboxAsync(HostEntity host, string sandboxId, CancellationToken cancellationToken) =>
        CallAsync(
            Timeouts.Lifecycle,
            (deadline, ct) => agents.For(host).DestroySandboxAsync(new Agent.DestroySandboxRequest { SandboxId = sandboxId }, deadline: deadline, cancellationToken: ct).ResponseAsync,
            cancellationToken,
            goneIsDone: () => new Agent.DestroySandboxResponse());

    public Task<SandboxResult<Agent.PauseSandboxResponse>> PauseSandboxAsync(HostEntity host, string sandboxId, CancellationToken cancellationToken) =>
        CallAsync(Timeouts.Lifecycle, (deadline, ct) => agents.For(host).PauseSandboxAsync(new Agent.PauseSandboxRequest { SandboxId = sandboxId }, deadline: deadline, cancellationToken: ct).ResponseAsync, cancellationToken);

    public Task<SandboxResult<Agent.ResumeSandboxResponse>> ResumeSandboxAsync(HostEntity host, string sandboxId, int inactivityTimeoutSec, CancellationToken cancellationToken) =>
        CallAsync(
            Timeouts.Lifecycle,
            (deadline, ct) => agents.For(host).ResumeSandboxAsync(new Agent.ResumeSandboxRequest { SandboxId = sandboxId, TimeoutSec = (uint)Math.Max(0, inactivityTimeoutSec) }, deadline: deadline, cancellationToken: ct).ResponseAsync,
            cancellationToken);

    public Task<SandboxResult<Agent.PingSandboxResponse>> PingSandboxAsync(HostEntity host, string sandboxId, CancellationToken cancellationToken) =>
        CallAsync(Timeouts.Quick, (deadline, ct) => agents.For(host).PingSandboxAsync(new Agent.PingSandboxRequest { SandboxId = sandboxId }, deadline: deadline, cancellationToken: ct).ResponseAsync, cancellationToken);

    public Task<SandboxResult<Agent.GetSandboxMetricsResponse>> GetSandboxMetricsAsync(HostEntity host, string sandboxId, DateTimeOffset? start, DateTimeOffset? end, CancellationToken cancellationToken) =>
        CallAsync(
            Timeouts.Quick,
            (deadline, ct) => agents.For(host).GetSandboxMetricsAsync(
                new Agent.GetSandboxMetricsRequest
                {
                    SandboxId = sandboxId,
                    Start = start is { } from ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(from) : null,
                    End = end is { } to ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(to) : null,
                },
                deadline: deadline,
                cancellationToken: ct).ResponseAsync,
            cancellationToken);

    public Task<SandboxResult<Agent.ListSandboxesResponse>> ListSandboxesAsync(HostEntity host, CancellationToken cancellationToken) =>
        CallAsync(Timeouts.List, (deadline, ct) => agents.For(host).ListSandboxesAsync(new Agent.ListSandboxesRequest(), deadline: deadline, cancellationToken: ct).ResponseAsync, cancellationToken);

    public Task<SandboxResult<Agent.GetHostMetricsResponse>> GetHostMetricsAsync(HostEntity host, CancellationToken cancellationToken) =>
        CallAsync(Timeouts.Quick, (deadline, ct) => agents.For(host).GetHostMetricsAsync(new Agent.GetHostMetricsRequest(), deadline: deadline, cancellationToken: ct).ResponseAsync, cancellationToken);

    public async Task<SandboxResult<Agent.CreateSnapshotResponse>> CreateSnapshotAsync(HostEntity host, Agent.CreateSnapshotRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await agents.For(host).CreateSnapshotAsync(request, deadline: Deadline(Timeouts.Snapshot), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            if (AgentErrorMapping.OutcomeUnknown(ex))
            {
                await UndoAsync(host, "template", request.Name, (client, deadline) => client.DeleteSnapshotAsync(new Agent.DeleteSnapshotRequest { Name = request.Name }, deadline: deadline).ResponseAsync).ConfigureAwait(false);
            }

            return AgentErrorMapping.ToError(ex, logger);
        }
    }

    public Task<SandboxResult<Agent.DeleteSnapshotResponse>> DeleteSnapshotAsync(HostEntity host, string templateId, CancellationToken cancellationToken) =>
        CallAsync(
            Timeouts.Snapshot,
            (deadline, ct) => agents.For(host).DeleteSnapshotAsync(new Agent.DeleteSnapshotRequest { Name = templateId }, deadline: deadline, cancellationToken: ct).ResponseAsync,
            cancellationToken,
            goneIsDone: () => new Agent.DeleteSnapshotResponse());

    public Task<SandboxResult<Agent.ExecResponse>> ExecAsync(HostEntity host, Agent.ExecRequest request, CancellationToken cancellationToken) =>
        CallAsync(CommandBudget((int)request.TimeoutSec), (deadline, ct) => agents.For(host).ExecAsync(request, deadline: deadline, cancellationToken: ct).ResponseAsync, cancellationToken);

    public AsyncDuplexStreamingCall<Agent.ExecStreamRequest, Agent.ExecStreamResponse> OpenExecStream(HostEntity host, int commandTimeoutSec, CancellationToken cancellationToken) =>
        agents.For(host).ExecStream(deadline: Deadline(CommandBudget(commandTimeoutSec)), cancellationToken: cancellationToken);

    public AsyncClientStreamingCall<Agent.WriteFileRequest, Agent.WriteFileResponse> OpenWriteFile(HostEntity host, CancellationToken cancellationToken) =>
        agents.For(host).WriteFile(deadline: Deadline(Timeouts.FileTransfer), cancellationToken: cancellationToken);

    public AsyncServerStreamingCall<Agent.ReadFileResponse> OpenReadFile(HostEntity host, Agent.ReadFileRequest request, CancellationToken cancellationToken) =>
        agents.For(host).ReadFile(request, deadline: Deadline(Timeouts.FileTransfer), cancellationToken: cancellationToken);

    public AsyncServerStreamingCall<Agent.ExportTemplateResponse> OpenExportTemplate(HostEntity host, string templateId, CancellationToken cancellationToken) =>
        agents.For(host).ExportTemplate(new Agent.ExportTemplateRequest { Name = templateId }, deadline: Deadline(Timeouts.FileTransfer), cancellationToken: cancellationToken);

    public AsyncClientStreamingCall<Agent.ImportTemplateRequest, Agent.ImportTemplateResponse> OpenImportTemplate(HostEntity host, CancellationToken cancellationToken) =>
        agents.For(host).ImportTemplate(deadline: Deadline(Timeouts.FileTransfer), cancellationToken: cancellationToken);

    public AsyncServerStreamingCall<Agent.ExportSandboxResponse> OpenExportSandbox(HostEntity host, string sandboxId, CancellationToken cancellationToken) =>
        agents.For(host).ExportSandbox(new Agent.ExportSandboxRequest { SandboxId = sandboxId }, deadline: Deadline(Timeouts.FileTransfer), cancellationToken: cancellationToken);

    public AsyncClientStreamingCall<Agent.ImportSandboxRequest, Agent.ImportSandboxResponse> OpenImportSandbox(HostEntity host, CancellationToken cancellationToken) =>
        agents.For(host).ImportSandbox(deadline: Deadline(Timeouts.FileTransfer), cancellationToken: cancellationToken);

    public Task<SandboxResult<Agent.ListDirResponse>> ListDirAsync(HostEntity host, Agent.ListDirRequest request, CancellationToken cancellationToken) =>
        CallAsync(Timeouts.FileOperation, (deadline, ct) => agents.For(host).ListDirAsync(request, deadline: deadline, cancellationToken: ct).ResponseAsync, cancellationToken);

    public Task<SandboxResult<Agent.MakeDirResponse>> MakeDirAsync(HostEntity host, Agent.MakeDirRequest request, CancellationToken cancellationToken) =>
        CallAsync(Timeouts.FileOperation, (deadline, ct) => agents.For(host).MakeDirAsync(request, deadline: deadline, cancellationToken: ct).ResponseAsync, cancellationToken);

    public Task<SandboxResult<Agent.RemovePathResponse>> RemovePathAsync(HostEntity host, Agent.RemovePathRequest request, CancellationToken cancellationToken) =>
        CallAsync(Timeouts.RemovePath, (deadline, ct) => agents.For(host).RemovePathAsync(request, deadline: deadline, cancellationToken: ct).ResponseAsync, cancellationToken);

    public SandboxError Describe(RpcException exception) => AgentErrorMapping.ToError(exception, logger);

    /// <summary>A command may run its own timeout (or the default) plus the margin for the call around it.</summary>
    private TimeSpan CommandBudget(int commandTimeoutSec) =>
        (commandTimeoutSec > 0 ? TimeSpan.FromSeconds(commandTimeoutSec) : Timeouts.DefaultCommand) + Timeouts.CommandMargin;

    /// <summary>gRPC deadlines are wall-clock times, whatever clock the rest of the control plane is given.</summary>
    private static DateTime Deadline(TimeSpan budget) => DateTime.UtcNow + budget;

    private async Task<SandboxResult<T>> CallAsync<T>(TimeSpan budget, Func<DateTime, CancellationToken, Task<T>> call, CancellationToken cancellationToken, Func<T>? goneIsDone = null)
        where T : notnull
    {
        try
        {
            return await call(Deadline(budget), cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound && goneIsDone is not null)
        {
            // Already gone from the host: what was asked for is true.
            return goneIsDone();
        }
        catch (RpcException ex)
        {
            return AgentErrorMapping.ToError(ex, logger);
        }
    }

    /// <summary>Best effort, never cancelled by the caller: the caller has gone, the host must still be cleaned.</summary>
    private async Task UndoAsync(HostEntity host, string what, string id, Func<Agent.HostAgent.HostAgentClient, DateTime, Task> undo)
    {
        try
        {
            await undo(agents.For(host), Deadline(Timeouts.Lifecycle)).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            // Never made, or rolled back by the agent on its own.
        }
        catch (RpcException ex)
        {
            logger.MayBeLeft(what, id, host.Id, ex.Status);
        }
    }
}
