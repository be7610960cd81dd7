using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Wrenn.Agent.Envd;
using Wrenn.Agent.Sandboxes;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>An envd that accepts one token at a time, as the real one does: /init needs the current one.</summary>
public sealed class FakeEnvd(string currentToken) : ISandboxEnvd
{
    public string CurrentToken { get; private set; } = currentToken;

    public IReadOnlyDictionary<string, string> Environment { get; private set; } = new Dictionary<string, string>();

    /// <summary>Each process started: the user and its command line.</summary>
    public ConcurrentQueue<(string? User, string Command)> Processes { get; } = new();

    public Exception? InitFailure { get; set; }

    /// <summary>Whether this envd names its guest when /init asks (a VM's envd of this build); an older one does not.</summary>
    public bool NamesGuest { get; set; }

    /// <summary>The hostname each /init asked for (null when none).</summary>
    public ConcurrentQueue<string?> InitHostnames { get; } = new();

    public Task<string?> WaitUntilHealthyAsync(Uri envd, TimeSpan timeout, Func<CancellationToken, Task<bool>> stillStarting, CancellationToken cancellationToken) =>
        Task.FromResult<string?>("0.2.0");

    public Task<EnvdInitAnswer> InitAsync(Uri envd, string currentToken, string accessToken, IReadOnlyDictionary<string, string> environment, string defaultUser, string? hostname, CancellationToken cancellationToken)
    {
        if (InitFailure is { } failure)
        {
            throw failure;
        }

        if (currentToken != CurrentToken)
        {
            throw new EnvdCallException("http_401", "wrong token");
        }

        CurrentToken = accessToken;
        Environment = environment;
        InitHostnames.Enqueue(hostname);
        return Task.FromResult(new EnvdInitAnswer("0.2.0", NamesGuest ? hostname : null));
    }

    public async IAsyncEnumerable<ProcessEvent> StartProcessAsync(EnvdEndpoint envd, StartRequest request, string? user, TimeSpan? processTimeout, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (envd.AccessToken != CurrentToken)
        {
            throw new EnvdCallException("http_401", "wrong token");
        }

        Processes.Enqueue((user, request.Process.Cmd + " " + string.Join(' ', request.Process.Args)));
        await Task.Yield();
        yield return new ProcessEvent { End = new ProcessEvent.Types.EndEvent { ExitCode = 0, Exited = true } };
    }
}
