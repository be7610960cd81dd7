using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>
/// The host agent service of <see cref="FakeAgent"/> for control plane behaviour that needs sandboxes
/// to come and go: a table of sandboxes in memory that create, pause, resume, destroy, ping, list, exec,
/// metrics and snapshots change and read as a real agent would answer them (NotFound for unknown ids,
/// FailedPrecondition for the wrong state), with nothing run. Calls are counted and can be slowed or
/// failed on command, so tests see what the control plane asked and how it copes.
/// </summary>
public sealed class InMemoryHostAgent : HostAgent.HostAgentBase
{
    /// <summary>The envd version this fake's sandboxes report.</summary>
    public const string EnvdVersion = "0.6.4";

    /// <summary>How old (seconds) the readings in every GetSandboxMetrics answer are, oldest first.</summary>
    public static readonly int[] HistoryAgesSec = [120, 60, 1];

    private readonly ConcurrentDictionary<string, SandboxInfo> _sandboxes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CreateSandboxRequest> _created = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _snapshots = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]> _disks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SandboxArchiveHeader> _imported = new(StringComparer.Ordinal);
    private int _sandboxExports;
    private int _sandboxImports;
    private int _resumes;
    private int _pings;
    private int _pauses;
    private int _lists;
    private int _exports;
    private int _imports;

    /// <summary>How long a resume takes (so concurrent first requests overlap).</summary>
    public TimeSpan ResumeDelay { get; set; } = TimeSpan.Zero;

    /// <summary>When set, CreateSandbox fails with it (after "making" the sandbox when <see cref="FailAfterCreating"/>).</summary>
    public RpcException? CreateFailure { get; set; }

    public bool FailAfterCreating { get; set; }

    /// <summary>When set, runs after a successful create has made its sandbox and before the answer goes back (e.g. to fail the database under the control plane).</summary>
    public Func<CreateSandboxRequest, Task>? AfterCreate { get; set; }

    /// <summary>When set, WriteFile fails with it as soon as it has the header, without reading the file's chunks (a disk that is full).</summary>
    public RpcException? WriteFileRefusal { get; set; }

    /// <summary>The W3C trace context header of the last CreateSandbox call, as the control plane sent it.</summary>
    public string? LastCreateTraceparent { get; private set; }

    /// <summary>How long ListSandboxes takes to answer with what it saw when called (a slow host under load).</summary>
    public TimeSpan ListDelay { get; set; } = TimeSpan.Zero;

    public int ResumeCalls => Volatile.Read(ref _resumes);

    public int PingCalls => Volatile.Read(ref _pings);

    public int PauseCalls => Volatile.Read(ref _pauses);

    public int ListCalls => Volatile.Read(ref _lists);

    /// <summary>Templates this agent sent to another host (ExportTemplate calls answered).</summary>
    public int ExportCalls => Volatile.Read(ref _exports);

    /// <summary>Templates sent to this agent (ImportTemplate calls), stored or not.</summary>
    public int ImportCalls => Volatile.Read(ref _imports);

    /// <summary>Send templates with one byte changed after the checksum was taken, as a damaged link would.</summary>
    public bool CorruptExports { get; set; }

    /// <summary>Sandboxes this agent sent to another host (ExportSandbox calls that sent a header).</summary>
    public int SandboxExportCalls => Volatile.Read(ref _sandboxExports);

    /// <summary>Sandboxes sent to this agent (ImportSandbox calls), taken or not.</summary>
    public int SandboxImportCalls => Volatile.Read(ref _sandboxImports);

    /// <summary>When set, ImportSandbox fails with it after reading the whole archive (keeping nothing).</summary>
    public RpcException? ImportSandboxFailure { get; set; }

    /// <summary>Runs once an imported sandbox is here, before the answer goes back (the move is between import and its switch).</summary>
    public Func<string, Task>? AfterImportSandbox { get; set; }

    /// <summary>Runs when a resume arrives, before the sandbox changes state.</summary>
    public Func<string, Task>? BeforeResume { get; set; }

    /// <summary>Runs once a resume has made the sandbox running, before the answer goes back.</summary>
    public Func<string, Task>? AfterResume { get; set; }

    /// <summary>The envd token and env an imported sandbox came with (from the archive's header).</summary>
    public SandboxArchiveHeader? Imported(string sandboxId) => _imported.GetValueOrDefault(sandboxId);

    /// <summary>What a sandbox's disk holds here (its files, as one blob); a new sandbox's is empty.</summary>
    public byte[] Disk(string sandboxId) => _disks.GetValueOrDefault(sandboxId) ?? [];

    /// <summary>Writes a sandbox's "files" (its disk as one blob), as a process in it would.</summary>
    public void SetDisk(string sandboxId, byte[] content) => _disks[sandboxId] = content;

    /// <summary>Whether this host holds the template (made here or received), as its templates directory would.</summary>
    public bool HoldsTemplate(string templateId) => _snapshots.ContainsKey(templateId);

    /// <summary>Every id DestroySandbox was called with, known or not.</summary>
    public ConcurrentBag<string> Destroyed { get; } = [];

    /// <summary>How many sandboxes this host has.</summary>
    public int Count => _sandboxes.Count;

    /// <summary>The envd access token this fake gives a sandbox.</summary>
    public static string EnvdTokenOf(string sandboxId) => "envd-" + sandboxId;

    /// <summary>The create request the control plane sent for a sandbox (env, timeout…).</summary>
    public CreateSandboxRequest? Created(string sandboxId) => _created.GetValueOrDefault(sandboxId);

    /// <summary>The sandbox as this host has it, or null when it has none by that id.</summary>
    public SandboxInfo? Find(string sandboxId) => _sandboxes.GetValueOrDefault(sandboxId);

    /// <summary>Takes a sandbox out as if it died with its host (nothing asked the host to destroy it).</summary>
    public bool Remove(string sandboxId) => _sandboxes.TryRemove(sandboxId, out _);

    /// <summary>Puts a sandbox in that the control plane did not create here (a copy, a leftover).</summary>
    public void Plant(SandboxInfo sandbox) => _sandboxes[sandbox.SandboxId] = sandbox.Clone();

    public override Task<CreateSandboxResponse> CreateSandbox(CreateSandboxRequest request, ServerCallContext context)
    {
        LastCreateTraceparent = context.RequestHeaders.GetValue("traceparent");
        if (Wrenn.Common.Ids.WrennIds.IsTemplateId(request.Template) && !_snapshots.ContainsKey(request.Template))
        {
            // A real host finds templates only in its own templates directory.
            throw new RpcException(new Status(StatusCode.NotFound, $"template {request.Template} not found on this host"));
        }

        if (CreateFailure is { } failure)
        {
            if (FailAfterCreating)
            {
                _sandboxes[request.SandboxId] = NewInfo(request);
            }

            throw failure;
        }

        var info = NewInfo(request);
        if (!_sandboxes.TryAdd(request.SandboxId, info))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"sandbox {request.SandboxId} exists"));
        }

        _created[request.SandboxId] = request;
        return AfterCreate is { } hook ? AnswerAfterAsync(hook, request, info) : Task.FromResult(new CreateSandboxResponse { Sandbox = info });
    }

    private static async Task<CreateSandboxResponse> AnswerAfterAsync(Func<CreateSandboxRequest, Task> hook, CreateSandboxRequest request, SandboxInfo info)
    {
        await hook(request).ConfigureAwait(false);
        return new CreateSandboxResponse { Sandbox = info };
    }

    private static SandboxInfo NewInfo(CreateSandboxRequest request) =>
        new()
        {
            SandboxId = request.SandboxId,
            Template = request.Template,
            State = SandboxState.Running,
            Runtime = "container",
            Vcpus = request.Vcpus,
            MemoryMb = request.MemoryMb,
            StartedAt = Timestamp.FromDateTime(DateTime.UtcNow),
            LastActiveAt = Timestamp.FromDateTime(DateTime.UtcNow),

            // Where the traffic proxy dials the sandbox's ports: loopback, where tests run their "sandbox" servers.
            EnvdAddress = "127.0.0.1:49983",
            TimeoutSec = request.TimeoutSec,
            EnvdAccessToken = EnvdTokenOf(request.SandboxId),
            EnvdVersion = EnvdVersion,
        };

    public override async Task<WriteFileResponse> WriteFile(IAsyncStreamReader<WriteFileRequest> requestStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken) || requestStream.Current.Header is not { } header)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "a WriteFile call starts with its header"));
        }

        if (WriteFileRefusal is { } refusal)
        {
            throw refusal;
        }

        ulong size = 0;
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            size += (ulong)requestStream.Current.Chunk.Length;
        }

        return new WriteFileResponse { Path = header.Path, Size = size };
    }

    public override Task<DestroySandboxResponse> DestroySandbox(DestroySandboxRequest request, ServerCallContext context)
    {
        Destroyed.Add(request.SandboxId);
        _disks.TryRemove(request.SandboxId, out _);
        return _sandboxes.TryRemove(request.SandboxId, out _)
            ? Task.FromResult(new DestroySandboxResponse())
            : throw NotFound(request.SandboxId);
    }

    public override Task<PauseSandboxResponse> PauseSandbox(PauseSandboxRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref _pauses);
        var info = Transition(request.SandboxId, SandboxState.Running, SandboxState.Paused);
        return Task.FromResult(new PauseSandboxResponse { Sandbox = info });
    }

    public override async Task<ResumeSandboxResponse> ResumeSandbox(ResumeSandboxRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref _resumes);
        await Task.Delay(ResumeDelay, context.CancellationToken).ConfigureAwait(false);
        if (BeforeResume is { } before)
        {
            await before(request.SandboxId).ConfigureAwait(false);
        }

        var info = Transition(request.SandboxId, SandboxState.Paused, SandboxState.Running);
        ResumeSandboxResponse answer;
        lock (info)
        {
            info.TimeoutSec = request.TimeoutSec;
            info.StartedAt = Timestamp.FromDateTime(DateTime.UtcNow);
            answer = new ResumeSandboxResponse { Sandbox = info.Clone() };
        }

        if (AfterResume is { } after)
        {
            await after(request.SandboxId).ConfigureAwait(false);
        }

        return answer;
    }

    public override Task<PingSandboxResponse> PingSandbox(PingSandboxRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref _pings);
        var info = Get(request.SandboxId);
        lock (info)
        {
            info.LastActiveAt = Timestamp.FromDateTime(DateTime.UtcNow);
        }

        return Task.FromResult(new PingSandboxResponse());
    }

    public override async Task<ListSandboxesResponse> ListSandboxes(ListSandboxesRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref _lists);
        var response = new ListSandboxesResponse();
        foreach (var info in _sandboxes.Values)
        {
            lock (info)
            {
                response.Sandboxes.Add(info.Clone());
            }
        }

        await Task.Delay(ListDelay, context.CancellationToken).ConfigureAwait(false);
        return response;
    }

    public override Task<ExecResponse> Exec(ExecRequest request, ServerCallContext context)
    {
        if (Find(request.SandboxId)?.State != SandboxState.Running)
        {
            // A real agent cannot run a command in a paused (frozen) or absent sandbox.
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"sandbox {request.SandboxId} is not running"));
        }

        return Task.FromResult(new ExecResponse { Stdout = ByteString.CopyFromUtf8("ran " + request.Cmd), ExitCode = 0 });
    }

    public override Task<GetSandboxMetricsResponse> GetSandboxMetrics(GetSandboxMetricsRequest request, ServerCallContext context)
    {
        var info = Get(request.SandboxId);
        var response = new GetSandboxMetricsResponse
        {
            CpuUsedPct = 12.5,
            CpuCount = info.Vcpus,
            MemoryUsedBytes = 64UL << 20,
            MemoryLimitBytes = (ulong)info.MemoryMb << 20,
            DiskUsedBytes = 100UL << 20,
            DiskTotalBytes = 1UL << 30,
        };

        // The history a host keeps: readings 120 s, 60 s and 1 s ago at 10, 20 and 30 % CPU.
        var now = DateTimeOffset.UtcNow;
        var history = HistoryAgesSec.Select((age, i) => new SandboxMetricsSample
        {
            Timestamp = Timestamp.FromDateTimeOffset(now.AddSeconds(-age)),
            CpuUsedPct = 10 * (i + 1),
            CpuTimeTotalUs = (ulong)(i + 1) * 1_000_000,
            CpuCount = info.Vcpus,
            MemoryUsedBytes = 64UL << 20,
            MemoryLimitBytes = (ulong)info.MemoryMb << 20,
            MemoryCacheBytes = 8UL << 20,
            DiskUsedBytes = 100UL << 20,
            DiskTotalBytes = 1UL << 30,
        });
        response.Samples.Add(history.Where(s =>
            (request.Start is null || s.Timestamp >= request.Start) && (request.End is null || s.Timestamp <= request.End)));
        return Task.FromResult(response);
    }

    public override Task<GetHostMetricsResponse> GetHostMetrics(GetHostMetricsRequest request, ServerCallContext context) =>
        Task.FromResult(new GetHostMetricsResponse
        {
            SandboxesRunning = (uint)_sandboxes.Values.Count(s => s.State == SandboxState.Running),
            SandboxesPaused = (uint)_sandboxes.Values.Count(s => s.State == SandboxState.Paused),
        });

    public override Task<CreateSnapshotResponse> CreateSnapshot(CreateSnapshotRequest request, ServerCallContext context)
    {
        var info = Get(request.SandboxId);
        if (!_snapshots.TryAdd(request.Name, 0))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"snapshot {request.Name} exists"));
        }

        return Task.FromResult(new CreateSnapshotResponse
        {
            Name = request.Name,
            BaseTemplate = info.Template,
            Vcpus = info.Vcpus,
            MemoryMb = info.MemoryMb,
            SizeBytes = 4096,
            KeepsMemory = false,
        });
    }

    public override Task<DeleteSnapshotResponse> DeleteSnapshot(DeleteSnapshotRequest request, ServerCallContext context) =>
        _snapshots.TryRemove(request.Name, out _)
            ? Task.FromResult(new DeleteSnapshotResponse())
            : throw new RpcException(new Status(StatusCode.NotFound, $"snapshot {request.Name} not found"));

    public override async Task ExportTemplate(ExportTemplateRequest request, IServerStreamWriter<ExportTemplateResponse> responseStream, ServerCallContext context)
    {
        if (!_snapshots.ContainsKey(request.Name))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"template {request.Name} not found"));
        }

        Interlocked.Increment(ref _exports);
        var archive = ArchiveOf(request.Name);
        await responseStream.WriteAsync(new ExportTemplateResponse
        {
            Header = new TemplateArchiveHeader { Name = request.Name, Parent = "minimal", ArchiveBytes = (ulong)archive.Length, Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(archive)) },
        });
        if (CorruptExports)
        {
            archive[archive.Length / 2] ^= 0xff;
        }

        // Two chunks, so the control plane passes a stream on, not one message.
        var half = archive.Length / 2;
        await responseStream.WriteAsync(new ExportTemplateResponse { Chunk = ByteString.CopyFrom(archive, 0, half) });
        await responseStream.WriteAsync(new ExportTemplateResponse { Chunk = ByteString.CopyFrom(archive, half, archive.Length - half) });
    }

    public override async Task<ImportTemplateResponse> ImportTemplate(IAsyncStreamReader<ImportTemplateRequest> requestStream, ServerCallContext context)
    {
        Interlocked.Increment(ref _imports);
        if (!await requestStream.MoveNext() || requestStream.Current.MessageCase != ImportTemplateRequest.MessageOneofCase.Header)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the first ImportTemplate message must be the header"));
        }

        var header = requestStream.Current.Header;
        using var received = new MemoryStream();
        while (await requestStream.MoveNext())
        {
            requestStream.Current.Chunk.WriteTo(received);
        }

        if (Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(received.ToArray())) != header.Sha256)
        {
            throw new RpcException(new Status(StatusCode.DataLoss, $"the archive of template {header.Name} does not match its checksum; nothing was stored"));
        }

        if (!_snapshots.TryAdd(header.Name, 0))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"template {header.Name} exists"));
        }

        return new ImportTemplateResponse { Name = header.Name, SizeBytes = (ulong)received.Length };
    }

    public override async Task ExportSandbox(ExportSandboxRequest request, IServerStreamWriter<ExportSandboxResponse> responseStream, ServerCallContext context)
    {
        var info = Get(request.SandboxId);
        SandboxInfo sent;
        lock (info)
        {
            if (info.State != SandboxState.Paused)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"sandbox {request.SandboxId} is {info.State}, not paused"));
            }

            sent = info.Clone();
        }

        Interlocked.Increment(ref _sandboxExports);

        // The "archive" is the sandbox's disk, with its id in front so an empty one is still bytes.
        var archive = System.Text.Encoding.UTF8.GetBytes("sandbox " + request.SandboxId + ";").Concat(Disk(request.SandboxId)).ToArray();
        var header = new SandboxArchiveHeader
        {
            SandboxId = sent.SandboxId,
            Runtime = sent.Runtime,
            Template = sent.Template,
            Vcpus = sent.Vcpus,
            MemoryMb = sent.MemoryMb,
            EnvdAccessToken = sent.EnvdAccessToken,
            EnvdVersion = sent.EnvdVersion,
            StartedAt = sent.StartedAt,
            ArchiveBytes = (ulong)archive.Length,
            Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(archive)),
            KeepsMemory = false,
        };
        if (Created(request.SandboxId) is { } created)
        {
            header.TeamId = created.TeamId;
            header.Env.Add(created.Env);
        }
        else if (Imported(request.SandboxId) is { } arrived)
        {
            header.TeamId = arrived.TeamId;
            header.Env.Add(arrived.Env);
        }

        await responseStream.WriteAsync(new ExportSandboxResponse { Header = header });
        if (CorruptExports)
        {
            archive[archive.Length / 2] ^= 0xff;
        }

        var half = archive.Length / 2;
        await responseStream.WriteAsync(new ExportSandboxResponse { Chunk = ByteString.CopyFrom(archive, 0, half) });
        await responseStream.WriteAsync(new ExportSandboxResponse { Chunk = ByteString.CopyFrom(archive, half, archive.Length - half) });
    }

    public override async Task<ImportSandboxResponse> ImportSandbox(IAsyncStreamReader<ImportSandboxRequest> requestStream, ServerCallContext context)
    {
        Interlocked.Increment(ref _sandboxImports);
        if (!await requestStream.MoveNext() || requestStream.Current.MessageCase != ImportSandboxRequest.MessageOneofCase.Header)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the first ImportSandbox message must be the header"));
        }

        var header = requestStream.Current.Header;
        using var received = new MemoryStream();
        while (await requestStream.MoveNext())
        {
            if (requestStream.Current.MessageCase != ImportSandboxRequest.MessageOneofCase.Chunk)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "only the first ImportSandbox message may be a header"));
            }

            requestStream.Current.Chunk.WriteTo(received);
        }

        var bytes = received.ToArray();
        if ((ulong)bytes.Length != header.ArchiveBytes || Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)) != header.Sha256)
        {
            throw new RpcException(new Status(StatusCode.DataLoss, $"the archive of sandbox {header.SandboxId} does not match its size and checksum; nothing was kept"));
        }

        if (Wrenn.Common.Ids.WrennIds.IsTemplateId(header.Template) && !_snapshots.ContainsKey(header.Template))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"template {header.Template} is not on this host"));
        }

        if (ImportSandboxFailure is { } failure)
        {
            throw failure;
        }

        var prefix = System.Text.Encoding.UTF8.GetByteCount("sandbox " + header.SandboxId + ";");
        var info = new SandboxInfo
        {
            SandboxId = header.SandboxId,
            Template = header.Template,
            State = SandboxState.Paused,
            Runtime = header.Runtime,
            Vcpus = header.Vcpus,
            MemoryMb = header.MemoryMb,
            StartedAt = header.StartedAt,
            LastActiveAt = Timestamp.FromDateTime(DateTime.UtcNow),
            EnvdAddress = "127.0.0.1:49983",
            EnvdAccessToken = header.EnvdAccessToken,
            EnvdVersion = header.EnvdVersion,
        };
        if (!_sandboxes.TryAdd(header.SandboxId, info))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"sandbox {header.SandboxId} exists"));
        }

        _disks[header.SandboxId] = bytes[prefix..];
        _imported[header.SandboxId] = header;
        if (AfterImportSandbox is { } hook)
        {
            await hook(header.SandboxId).ConfigureAwait(false);
        }

        lock (info)
        {
            return new ImportSandboxResponse { Sandbox = info.Clone() };
        }
    }

    /// <summary>What a template "archive" holds here: enough bytes that a changed one is noticed.</summary>
    private static byte[] ArchiveOf(string templateId) => System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("template " + templateId + ";", 100)));

    private SandboxInfo Get(string sandboxId) => _sandboxes.GetValueOrDefault(sandboxId) ?? throw NotFound(sandboxId);

    /// <summary>Moves a sandbox from one state to the next, as a real agent refuses a call in the wrong state.</summary>
    private SandboxInfo Transition(string sandboxId, SandboxState from, SandboxState to)
    {
        var info = Get(sandboxId);
        lock (info)
        {
            if (info.State != from)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"sandbox {sandboxId} is {info.State}"));
            }

            info.State = to;
            return info.Clone();
        }
    }

    private static RpcException NotFound(string sandboxId) => new(new Status(StatusCode.NotFound, $"sandbox {sandboxId} not found"));
}
