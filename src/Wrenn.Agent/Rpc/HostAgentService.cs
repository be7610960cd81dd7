using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Wrenn.Agent.Metrics;
using Wrenn.Agent.Sandboxes;
using Wrenn.Agent.Transfers;
using Wrenn.Common.HostAgent.V1;
using EnvdFs = Wrenn.Envd.Protocol.Filesystem;

namespace Wrenn.Agent.Rpc;

/// <summary>
/// The gRPC face of the agent: translates messages to and from the sandbox manager and its helpers,
/// and nothing else. Authentication and error mapping happen in interceptors.
/// </summary>
public sealed class HostAgentService(SandboxManager manager, SandboxCommands commands, SandboxFiles files, HostInfoProvider hostInfo, HostMetricsCollector hostMetrics, SandboxPortTunnel tunnel, SandboxMetricsReader metricsReader, SandboxMetricsStore metricsStore, TemplateTransfers transfers, SandboxTransfers sandboxTransfers) : HostAgent.HostAgentBase
{
    private const int ReadChunkBytes = 64 * 1024;

    public override async Task<CreateSandboxResponse> CreateSandbox(CreateSandboxRequest request, ServerCallContext context)
    {
        var spec = new CreateSandboxSpec(
            request.SandboxId,
            request.Template,
            request.Vcpus,
            request.MemoryMb,
            request.TimeoutSec,
            request.Env.ToDictionary(StringComparer.Ordinal),
            EmptyToNull(request.TeamId));
        var sandbox = await manager.CreateAsync(spec, context.CancellationToken).ConfigureAwait(false);
        return new CreateSandboxResponse { Sandbox = ToInfo(sandbox, withEnvdToken: true) };
    }

    public override async Task<DestroySandboxResponse> DestroySandbox(DestroySandboxRequest request, ServerCallContext context)
    {
        await manager.DestroyAsync(request.SandboxId, context.CancellationToken).ConfigureAwait(false);
        return new DestroySandboxResponse();
    }

    public override async Task<PauseSandboxResponse> PauseSandbox(PauseSandboxRequest request, ServerCallContext context) =>
        new() { Sandbox = ToInfo(await manager.PauseAsync(request.SandboxId, automatic: false, context.CancellationToken).ConfigureAwait(false)) };

    public override async Task<ResumeSandboxResponse> ResumeSandbox(ResumeSandboxRequest request, ServerCallContext context) =>
        new() { Sandbox = ToInfo(await manager.ResumeAsync(request.SandboxId, request.TimeoutSec, context.CancellationToken).ConfigureAwait(false), withEnvdToken: true) };

    public override Task<PingSandboxResponse> PingSandbox(PingSandboxRequest request, ServerCallContext context)
    {
        manager.Ping(request.SandboxId);
        return Task.FromResult(new PingSandboxResponse());
    }

    public override async Task<CreateSnapshotResponse> CreateSnapshot(CreateSnapshotRequest request, ServerCallContext context)
    {
        var template = await manager.CreateSnapshotAsync(request.SandboxId, request.Name, EmptyToNull(request.TeamName), context.CancellationToken).ConfigureAwait(false);
        return new CreateSnapshotResponse
        {
            Name = template.Name,
            BaseTemplate = template.Parent,
            Vcpus = template.Vcpus,
            MemoryMb = template.MemoryMb,
            SizeBytes = (ulong)template.SizeBytes,
            KeepsMemory = template.KeepsMemory,
        };
    }

    public override async Task<DeleteSnapshotResponse> DeleteSnapshot(DeleteSnapshotRequest request, ServerCallContext context)
    {
        await manager.DeleteSnapshotAsync(request.Name, context.CancellationToken).ConfigureAwait(false);
        return new DeleteSnapshotResponse();
    }

    public override async Task ExportTemplate(ExportTemplateRequest request, IServerStreamWriter<ExportTemplateResponse> responseStream, ServerCallContext context)
    {
        using var archive = await transfers.ExportAsync(request.Name, context.CancellationToken).ConfigureAwait(false);
        await responseStream.WriteAsync(
            new ExportTemplateResponse
            {
                Header = new TemplateArchiveHeader { Name = archive.Name, Parent = archive.Parent, ArchiveBytes = (ulong)archive.ArchiveBytes, Sha256 = archive.Sha256, KeepsMemory = archive.KeepsMemory },
            },
            context.CancellationToken).ConfigureAwait(false);
        await using var content = File.OpenRead(archive.ArchivePath);
        var buffer = new byte[ReadChunkBytes];
        while (await content.ReadAsync(buffer, context.CancellationToken).ConfigureAwait(false) is var read and > 0)
        {
            await responseStream.WriteAsync(new ExportTemplateResponse { Chunk = ByteString.CopyFrom(buffer, 0, read) }, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task<ImportTemplateResponse> ImportTemplate(IAsyncStreamReader<ImportTemplateRequest> requestStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false) || requestStream.Current.MessageCase != ImportTemplateRequest.MessageOneofCase.Header)
        {
            throw new ArgumentException("the first ImportTemplate message must be the header");
        }

        var header = requestStream.Current.Header;
        var content = new GrpcChunkStream<ImportTemplateRequest>(requestStream, r => r.MessageCase == ImportTemplateRequest.MessageOneofCase.Chunk ? r.Chunk : null, "ImportTemplate", context.CancellationToken);
        var manifest = await transfers.ImportAsync(header.Name, header.Parent, (long)header.ArchiveBytes, header.Sha256, content, context.CancellationToken).ConfigureAwait(false);
        return new ImportTemplateResponse { Name = manifest.Name, SizeBytes = (ulong)manifest.SizeBytes };
    }

    public override async Task ExportSandbox(ExportSandboxRequest request, IServerStreamWriter<ExportSandboxResponse> responseStream, ServerCallContext context)
    {
        using var archive = await sandboxTransfers.ExportAsync(request.SandboxId, context.CancellationToken).ConfigureAwait(false);
        var described = archive.Description;
        var header = new SandboxArchiveHeader
        {
            SandboxId = described.SandboxId,
            Runtime = described.Runtime,
            Template = described.Template,
            Vcpus = described.Vcpus,
            MemoryMb = described.MemoryMb,
            TeamId = described.TeamId ?? string.Empty,
            EnvdAccessToken = described.EnvdAccessToken,
            EnvdVersion = described.EnvdVersion ?? string.Empty,
            StartedAt = Timestamp.FromDateTimeOffset(described.StartedAt),
            ArchiveBytes = (ulong)described.ArchiveBytes,
            Sha256 = described.Sha256,
            KeepsMemory = described.KeepsMemory,
        };
        foreach (var (name, value) in described.Environment)
        {
            header.Env[name] = value;
        }

        await responseStream.WriteAsync(new ExportSandboxResponse { Header = header }, context.CancellationToken).ConfigureAwait(false);
        await using var content = File.OpenRead(archive.ArchivePath);
        var buffer = new byte[ReadChunkBytes];
        while (await content.ReadAsync(buffer, context.CancellationToken).ConfigureAwait(false) is var read and > 0)
        {
            await responseStream.WriteAsync(new ExportSandboxResponse { Chunk = ByteString.CopyFrom(buffer, 0, read) }, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task<ImportSandboxResponse> ImportSandbox(IAsyncStreamReader<ImportSandboxRequest> requestStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false) || requestStream.Current.MessageCase != ImportSandboxRequest.MessageOneofCase.Header)
        {
            throw new ArgumentException("the first ImportSandbox message must be the header");
        }

        var header = requestStream.Current.Header;
        var described = new SandboxArchiveDescription(
            header.SandboxId,
            header.Runtime,
            header.Template,
            header.Vcpus,
            header.MemoryMb,
            EmptyToNull(header.TeamId),
            header.EnvdAccessToken,
            EmptyToNull(header.EnvdVersion),
            header.Env.ToDictionary(StringComparer.Ordinal),
            header.StartedAt?.ToDateTimeOffset() ?? DateTimeOffset.UtcNow,
            (long)header.ArchiveBytes,
            header.Sha256,
            header.KeepsMemory);
        var content = new GrpcChunkStream<ImportSandboxRequest>(requestStream, r => r.MessageCase == ImportSandboxRequest.MessageOneofCase.Chunk ? r.Chunk : null, "ImportSandbox", context.CancellationToken);
        var sandbox = await sandboxTransfers.ImportAsync(described, content, context.CancellationToken).ConfigureAwait(false);
        return new ImportSandboxResponse { Sandbox = ToInfo(sandbox, withEnvdToken: true) };
    }

    public override async Task<ExecResponse> Exec(ExecRequest request, ServerCallContext context)
    {
        var result = await commands.ExecAsync(ToSpec(request), context.CancellationToken).ConfigureAwait(false);
        return new ExecResponse
        {
            Stdout = ByteString.CopyFrom(result.Stdout),
            Stderr = ByteString.CopyFrom(result.Stderr),
            ExitCode = result.ExitCode,
        };
    }

    public override async Task ExecStream(IAsyncStreamReader<ExecStreamRequest> requestStream, IServerStreamWriter<ExecStreamResponse> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false) || requestStream.Current.RequestCase != ExecStreamRequest.RequestOneofCase.Start)
        {
            throw new ArgumentException("the first ExecStream message must be start");
        }

        var spec = ToSpec(requestStream.Current.Start);
        await commands.StreamAsync(
            spec,
            ReadInputAsync(requestStream, context.CancellationToken),
            output => responseStream.WriteAsync(ToResponse(output), context.CancellationToken),
            context.CancellationToken).ConfigureAwait(false);
    }

    public override async Task<WriteFileResponse> WriteFile(IAsyncStreamReader<WriteFileRequest> requestStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false) || requestStream.Current.MessageCase != WriteFileRequest.MessageOneofCase.Header)
        {
            throw new ArgumentException("the first WriteFile message must be the header");
        }

        var header = requestStream.Current.Header;
        var content = new GrpcChunkStream<WriteFileRequest>(requestStream, r => r.MessageCase == WriteFileRequest.MessageOneofCase.Chunk ? r.Chunk : null, "WriteFile", context.CancellationToken);
        var path = await files.WriteAsync(header.SandboxId, header.Path, EmptyToNull(header.User), content, context.CancellationToken).ConfigureAwait(false);
        return new WriteFileResponse { Path = path, Size = (ulong)content.BytesRead };
    }

    public override async Task ReadFile(ReadFileRequest request, IServerStreamWriter<ReadFileResponse> responseStream, ServerCallContext context)
    {
        await using var content = await files.ReadAsync(request.SandboxId, request.Path, EmptyToNull(request.User), context.CancellationToken).ConfigureAwait(false);
        var buffer = new byte[ReadChunkBytes];
        while (await content.ReadAsync(buffer, context.CancellationToken).ConfigureAwait(false) is var read and > 0)
        {
            await responseStream.WriteAsync(new ReadFileResponse { Chunk = ByteString.CopyFrom(buffer, 0, read) }, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task<ListDirResponse> ListDir(ListDirRequest request, ServerCallContext context)
    {
        var entries = await files.ListAsync(request.SandboxId, request.Path, request.Depth, EmptyToNull(request.User), context.CancellationToken).ConfigureAwait(false);
        var response = new ListDirResponse();
        response.Entries.Add(entries.Select(ToEntry));
        return response;
    }

    public override async Task<MakeDirResponse> MakeDir(MakeDirRequest request, ServerCallContext context)
    {
        var (entry, created) = await files.MakeDirAsync(request.SandboxId, request.Path, EmptyToNull(request.User), context.CancellationToken).ConfigureAwait(false);
        return new MakeDirResponse { Entry = entry is null ? null : ToEntry(entry), Created = created };
    }

    public override async Task<RemovePathResponse> RemovePath(RemovePathRequest request, ServerCallContext context)
    {
        await files.RemoveAsync(request.SandboxId, request.Path, EmptyToNull(request.User), context.CancellationToken).ConfigureAwait(false);
        return new RemovePathResponse();
    }

    public override async Task<GetSandboxMetricsResponse> GetSandboxMetrics(GetSandboxMetricsRequest request, ServerCallContext context)
    {
        var sandbox = manager.Get(request.SandboxId);
        var now = await metricsReader.ReadAsync(sandbox, context.CancellationToken).ConfigureAwait(false);
        var response = new GetSandboxMetricsResponse
        {
            // Share of its vcpus since the sampler's last reading (or since it started, before the first).
            CpuUsedPct = now.CpuUsedPct,
            CpuCount = now.CpuCount,
            MemoryUsedBytes = (ulong)Math.Max(0, now.MemoryUsedBytes),
            MemoryLimitBytes = (ulong)Math.Max(0, now.MemoryLimitBytes),
            DiskUsedBytes = (ulong)Math.Max(0, now.DiskUsedBytes),
            CpuTimeTotalUs = (ulong)Math.Max(0, now.CpuTime.Ticks / TimeSpan.TicksPerMicrosecond),
        };
        var samples = metricsStore.Query(request.SandboxId, request.Start?.ToDateTimeOffset(), request.End?.ToDateTimeOffset());
        response.Samples.Add(samples.Select(ToSample));
        return response;
    }

    public override Task<GetHostMetricsResponse> GetHostMetrics(GetHostMetricsRequest request, ServerCallContext context) =>
        hostMetrics.CollectAsync(context.CancellationToken);

    public override Task OpenPort(IAsyncStreamReader<OpenPortRequest> requestStream, IServerStreamWriter<OpenPortResponse> responseStream, ServerCallContext context) =>
        tunnel.RelayAsync(requestStream, responseStream, context.CancellationToken);

    public override Task<ListSandboxesResponse> ListSandboxes(ListSandboxesRequest request, ServerCallContext context)
    {
        var sandboxes = manager.List();
        var response = new ListSandboxesResponse { Host = hostInfo.Describe(manager.RuntimeName) };
        response.Sandboxes.Add(sandboxes.Select(s => ToInfo(s)));
        response.AutoPausedSandboxIds.Add(sandboxes.Where(s => s.AutoPaused).Select(s => s.Id));
        return Task.FromResult(response);
    }

    private static SandboxMetricsSample ToSample(MetricsSample sample) => new()
    {
        Timestamp = Timestamp.FromDateTimeOffset(sample.Timestamp),
        CpuUsedPct = sample.CpuUsedPct,
        CpuTimeTotalUs = (ulong)Math.Max(0, sample.CpuTime.Ticks / TimeSpan.TicksPerMicrosecond),
        CpuCount = sample.CpuCount,
        MemoryUsedBytes = (ulong)Math.Max(0, sample.MemoryUsedBytes),
        MemoryLimitBytes = (ulong)Math.Max(0, sample.MemoryLimitBytes),
        DiskUsedBytes = (ulong)Math.Max(0, sample.DiskUsedBytes),
    };

    private static async IAsyncEnumerable<ExecInput> ReadInputAsync(IAsyncStreamReader<ExecStreamRequest> requests, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await requests.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var request = requests.Current;
            switch (request.RequestCase)
            {
                case ExecStreamRequest.RequestOneofCase.Stdin:
                    yield return new ExecInput.Stdin(request.Stdin.Memory);
                    break;
                case ExecStreamRequest.RequestOneofCase.CloseStdin:
                    yield return new ExecInput.CloseStdin();
                    break;
                case ExecStreamRequest.RequestOneofCase.Signal:
                    yield return new ExecInput.Signal(request.Signal);
                    break;
                case ExecStreamRequest.RequestOneofCase.Resize:
                    yield return new ExecInput.Resize(new TerminalSize(request.Resize.Cols, request.Resize.Rows));
                    break;
            }
        }
    }

    private static ExecStreamResponse ToResponse(ExecOutput output) => output switch
    {
        ExecOutput.Started started => new ExecStreamResponse { Started = new ExecStarted { Pid = started.Pid } },
        ExecOutput.Stdout stdout => new ExecStreamResponse { Stdout = ByteString.CopyFrom(stdout.Data.Span) },
        ExecOutput.Stderr stderr => new ExecStreamResponse { Stderr = ByteString.CopyFrom(stderr.Data.Span) },
        ExecOutput.Exited exited => new ExecStreamResponse { Exited = new ExecExited { ExitCode = exited.ExitCode, Status = exited.Status, TimedOut = exited.TimedOut } },
        _ => throw new ArgumentOutOfRangeException(nameof(output)),
    };

    private static ExecSpec ToSpec(ExecRequest request) => new(
        request.SandboxId,
        request.Cmd,
        [.. request.Args],
        request.Env.ToDictionary(StringComparer.Ordinal),
        EmptyToNull(request.Cwd),
        request.TimeoutSec == 0 ? null : TimeSpan.FromSeconds(request.TimeoutSec),
        EmptyToNull(request.User),
        request.Pty is { } pty ? new TerminalSize(pty.Cols, pty.Rows) : null);

    private static string? EmptyToNull(string value) => string.IsNullOrEmpty(value) ? null : value;

    private static FileEntry ToEntry(EnvdFs.EntryInfo entry) => new()
    {
        Name = entry.Name,
        Path = entry.Path,
        Type = entry.Type switch
        {
            EnvdFs.FileType.File => EntryType.File,
            EnvdFs.FileType.Directory => EntryType.Directory,
            EnvdFs.FileType.Symlink => EntryType.Symlink,
            _ => EntryType.Unspecified,
        },
        Size = entry.Size,
        Mode = entry.Mode & 0x1FF,
        Owner = entry.Owner,
        ModifiedAt = entry.ModifiedTime,
        SymlinkTarget = entry.HasSymlinkTarget ? entry.SymlinkTarget : string.Empty,
    };

    /// <summary>
    /// The sandbox as the control plane sees it. The envd access token goes only into create and resume
    /// answers (the control plane keeps it for the sandbox's owner), not into every list and pause.
    /// </summary>
    private SandboxInfo ToInfo(Sandbox sandbox, bool withEnvdToken = false) => new()
    {
        SandboxId = sandbox.Id,
        Template = sandbox.Spec.Template,
        State = sandbox.State switch
        {
            Sandboxes.SandboxState.Starting => Common.HostAgent.V1.SandboxState.Starting,
            Sandboxes.SandboxState.Running or Sandboxes.SandboxState.Pausing => Common.HostAgent.V1.SandboxState.Running,
            Sandboxes.SandboxState.Paused or Sandboxes.SandboxState.Resuming => Common.HostAgent.V1.SandboxState.Paused,
            Sandboxes.SandboxState.Stopping => Common.HostAgent.V1.SandboxState.Stopping,
            _ => Common.HostAgent.V1.SandboxState.Error,
        },
        Runtime = manager.RuntimeName,
        Vcpus = sandbox.Spec.Vcpus,
        MemoryMb = sandbox.Spec.MemoryMb,
        StartedAt = Timestamp.FromDateTimeOffset(sandbox.StartedAt),
        EnvdAddress = sandbox.EnvdAddress?.ToString() ?? string.Empty,
        TimeoutSec = sandbox.TimeoutSec,
        LastActiveAt = Timestamp.FromDateTimeOffset(sandbox.LastActiveAt),
        EnvdAccessToken = withEnvdToken ? sandbox.EnvdAccessToken ?? string.Empty : string.Empty,
        EnvdVersion = sandbox.EnvdVersion ?? string.Empty,
    };
}
