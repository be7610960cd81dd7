using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Tests;

/// <summary>
/// A host agent whose sandboxes exist only in memory: create, pause, resume, destroy, ping, list and exec
/// answer as a real agent's would, and the calls are counted, so tests see what the control plane asked.
/// </summary>
public sealed class WorkingHostAgent : HostAgent.HostAgentBase
{
    private readonly ConcurrentDictionary<string, SandboxState> _sandboxes = new(StringComparer.Ordinal);
    private int _resumes;
    private int _pings;
    private int _pauses;

    /// <summary>How long a resume takes (so concurrent first requests overlap).</summary>
    public TimeSpan ResumeDelay { get; set; } = TimeSpan.Zero;

    /// <summary>When set, CreateSandbox fails with it (after "making" the sandbox when <see cref="FailAfterCreating"/>).</summary>
    public RpcException? CreateFailure { get; set; }

    public bool FailAfterCreating { get; set; }

    /// <summary>How long ListSandboxes takes to answer with what it saw when called (a slow host under load).</summary>
    public TimeSpan ListDelay { get; set; } = TimeSpan.Zero;

    public int ResumeCalls => Volatile.Read(ref _resumes);

    public int PingCalls => Volatile.Read(ref _pings);

    public int PauseCalls => Volatile.Read(ref _pauses);

    public ConcurrentBag<string> Destroyed { get; } = [];

    public IReadOnlyDictionary<string, SandboxState> Sandboxes => _sandboxes;

    public static string EnvdTokenOf(string sandboxId) => "envd-token-" + sandboxId;

    public override Task<CreateSandboxResponse> CreateSandbox(CreateSandboxRequest request, ServerCallContext context)
    {
        if (CreateFailure is { } failure)
        {
            if (FailAfterCreating)
            {
                _sandboxes[request.SandboxId] = SandboxState.Running;
            }

            throw failure;
        }

        _sandboxes[request.SandboxId] = SandboxState.Running;
        return Task.FromResult(new CreateSandboxResponse { Sandbox = Info(request.SandboxId, SandboxState.Running) });
    }

    public override Task<DestroySandboxResponse> DestroySandbox(DestroySandboxRequest request, ServerCallContext context)
    {
        Destroyed.Add(request.SandboxId);
        return _sandboxes.TryRemove(request.SandboxId, out _)
            ? Task.FromResult(new DestroySandboxResponse())
            : throw new RpcException(new Status(StatusCode.NotFound, $"sandbox {request.SandboxId} not found"));
    }

    public override Task<PauseSandboxResponse> PauseSandbox(PauseSandboxRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref _pauses);
        Transition(request.SandboxId, SandboxState.Running, SandboxState.Paused);
        return Task.FromResult(new PauseSandboxResponse { Sandbox = Info(request.SandboxId, SandboxState.Paused) });
    }

    public override async Task<ResumeSandboxResponse> ResumeSandbox(ResumeSandboxRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref _resumes);
        await Task.Delay(ResumeDelay, context.CancellationToken).ConfigureAwait(false);
        Transition(request.SandboxId, SandboxState.Paused, SandboxState.Running);
        return new ResumeSandboxResponse { Sandbox = Info(request.SandboxId, SandboxState.Running) };
    }

    public override Task<PingSandboxResponse> PingSandbox(PingSandboxRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref _pings);
        return _sandboxes.ContainsKey(request.SandboxId)
            ? Task.FromResult(new PingSandboxResponse())
            : throw new RpcException(new Status(StatusCode.NotFound, $"sandbox {request.SandboxId} not found"));
    }

    public override async Task<ListSandboxesResponse> ListSandboxes(ListSandboxesRequest request, ServerCallContext context)
    {
        var response = new ListSandboxesResponse();
        response.Sandboxes.Add(_sandboxes.Select(s => Info(s.Key, s.Value)).ToList());
        await Task.Delay(ListDelay, context.CancellationToken).ConfigureAwait(false);
        return response;
    }

    public override Task<ExecResponse> Exec(ExecRequest request, ServerCallContext context)
    {
        if (!_sandboxes.TryGetValue(request.SandboxId, out var state) || state != SandboxState.Running)
        {
            // A real agent cannot run a command in a paused (frozen) or absent sandbox.
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"sandbox {request.SandboxId} is not running"));
        }

        return Task.FromResult(new ExecResponse { Stdout = ByteString.CopyFromUtf8("ran " + request.Cmd), ExitCode = 0 });
    }

    private void Transition(string sandboxId, SandboxState from, SandboxState to)
    {
        if (!_sandboxes.TryGetValue(sandboxId, out var state))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"sandbox {sandboxId} not found"));
        }

        if (state != from || !_sandboxes.TryUpdate(sandboxId, to, from))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"sandbox {sandboxId} is {state}"));
        }
    }

    private static SandboxInfo Info(string sandboxId, SandboxState state) => new()
    {
        SandboxId = sandboxId,
        State = state,
        Runtime = "container",
        EnvdAccessToken = EnvdTokenOf(sandboxId),
        EnvdVersion = "0.6.4",

        // Where the traffic proxy dials the sandbox's ports: loopback, where tests run their "sandbox" servers.
        EnvdAddress = "127.0.0.1:49983",
    };
}
