using Grpc.Core;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Sandboxes;
using Agent = Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// Every call the control plane makes to a host agent. The gateway owns each call's deadline (from
/// <see cref="AgentCallTimeouts"/>) and turns the agent's failures into <see cref="SandboxError"/>s:
/// deliberate statuses (not found, conflict, no capacity…) keep their message, unexpected ones are
/// logged under an error id and the caller sees only that id. Calls whose answer was lost undo what
/// they may have done (a create, a snapshot) before they report the failure.
/// </summary>
public interface IAgentGateway
{
    Task<SandboxResult<Agent.SandboxInfo>> CreateSandboxAsync(HostEntity host, Agent.CreateSandboxRequest request, CancellationToken cancellationToken);

    /// <summary>A sandbox already gone from its host counts as destroyed.</summary>
    Task<SandboxResult<Agent.DestroySandboxResponse>> DestroySandboxAsync(HostEntity host, string sandboxId, CancellationToken cancellationToken);

    Task<SandboxResult<Agent.PauseSandboxResponse>> PauseSandboxAsync(HostEntity host, string sandboxId, CancellationToken cancellationToken);

    Task<SandboxResult<Agent.ResumeSandboxResponse>> ResumeSandboxAsync(HostEntity host, string sandboxId, int inactivityTimeoutSec, CancellationToken cancellationToken);

    Task<SandboxResult<Agent.PingSandboxResponse>> PingSandboxAsync(HostEntity host, string sandboxId, CancellationToken cancellationToken);

    Task<SandboxResult<Agent.GetSandboxMetricsResponse>> GetSandboxMetricsAsync(HostEntity host, string sandboxId, DateTimeOffset? start, DateTimeOffset? end, CancellationToken cancellationToken);

    Task<SandboxResult<Agent.ListSandboxesResponse>> ListSandboxesAsync(HostEntity host, CancellationToken cancellationToken);

    Task<SandboxResult<Agent.GetHostMetricsResponse>> GetHostMetricsAsync(HostEntity host, CancellationToken cancellationToken);

    Task<SandboxResult<Agent.CreateSnapshotResponse>> CreateSnapshotAsync(HostEntity host, Agent.CreateSnapshotRequest request, CancellationToken cancellationToken);

    /// <summary>A template already gone from its host counts as deleted.</summary>
    Task<SandboxResult<Agent.DeleteSnapshotResponse>> DeleteSnapshotAsync(HostEntity host, string templateId, CancellationToken cancellationToken);

    /// <summary>Runs a command to its end; the deadline is the command's own timeout plus a margin.</summary>
    Task<SandboxResult<Agent.ExecResponse>> ExecAsync(HostEntity host, Agent.ExecRequest request, CancellationToken cancellationToken);

    /// <summary>An interactive command; failures surface as <see cref="RpcException"/> while streaming: map them with <see cref="Describe"/>.</summary>
    AsyncDuplexStreamingCall<Agent.ExecStreamRequest, Agent.ExecStreamResponse> OpenExecStream(HostEntity host, int commandTimeoutSec, CancellationToken cancellationToken);

    AsyncClientStreamingCall<Agent.WriteFileRequest, Agent.WriteFileResponse> OpenWriteFile(HostEntity host, CancellationToken cancellationToken);

    AsyncServerStreamingCall<Agent.ReadFileResponse> OpenReadFile(HostEntity host, Agent.ReadFileRequest request, CancellationToken cancellationToken);

    Task<SandboxResult<Agent.ListDirResponse>> ListDirAsync(HostEntity host, Agent.ListDirRequest request, CancellationToken cancellationToken);

    Task<SandboxResult<Agent.MakeDirResponse>> MakeDirAsync(HostEntity host, Agent.MakeDirRequest request, CancellationToken cancellationToken);

    Task<SandboxResult<Agent.RemovePathResponse>> RemovePathAsync(HostEntity host, Agent.RemovePathRequest request, CancellationToken cancellationToken);

    /// <summary>A template's archive from its host, header first; failures surface as <see cref="RpcException"/> while streaming.</summary>
    AsyncServerStreamingCall<Agent.ExportTemplateResponse> OpenExportTemplate(HostEntity host, string templateId, CancellationToken cancellationToken);

    /// <summary>Sends a template's archive to a host, header first; failures surface as <see cref="RpcException"/>.</summary>
    AsyncClientStreamingCall<Agent.ImportTemplateRequest, Agent.ImportTemplateResponse> OpenImportTemplate(HostEntity host, CancellationToken cancellationToken);

    /// <summary>A paused sandbox's archive from its host, header first (a move); failures surface as <see cref="RpcException"/>.</summary>
    AsyncServerStreamingCall<Agent.ExportSandboxResponse> OpenExportSandbox(HostEntity host, string sandboxId, CancellationToken cancellationToken);

    /// <summary>Sends a sandbox's archive to the host that takes it over, header first; failures surface as <see cref="RpcException"/>.</summary>
    AsyncClientStreamingCall<Agent.ImportSandboxRequest, Agent.ImportSandboxResponse> OpenImportSandbox(HostEntity host, CancellationToken cancellationToken);

    /// <summary>What a caller may see of a failure raised by a streaming call.</summary>
    SandboxError Describe(RpcException exception);
}
