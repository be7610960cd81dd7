using System.Text.Json.Nodes;

namespace Wrenn.Sdk;

/// <summary>An isolated machine. <c>await using var sandbox = await client.CreateSandboxAsync();</c> kills it at the end of the scope.</summary>
public sealed class Sandbox : IAsyncDisposable
{
    private readonly WrennClient _client;

    private Sandbox(WrennClient client, SandboxInfo info)
    {
        _client = client;
        Info = info;
        Commands = new SandboxCommands(client, info.Id);
        Files = new SandboxFiles(client, info.Id);
    }

    /// <summary>The sandbox's id.</summary>
    public string Id => Info.Id;

    /// <summary>What the API last said about it (<see cref="RefreshAsync"/> asks again).</summary>
    public SandboxInfo Info { get; private set; }

    /// <summary>Run commands in it.</summary>
    public SandboxCommands Commands { get; }

    /// <summary>Its files.</summary>
    public SandboxFiles Files { get; }

    internal static async Task<Sandbox> CreateAsync(WrennClient client, CreateSandboxOptions? options, CancellationToken cancellationToken)
    {
        options ??= new CreateSandboxOptions();
        var body = new JsonObject();
        if (options.Template is { } template)
        {
            body["template"] = template;
        }

        if (options.Vcpus is { } vcpus)
        {
            body["vcpus"] = vcpus;
        }

        if (options.MemoryMb is { } memory)
        {
            body["memory_mb"] = memory;
        }

        if (options.Timeout is { } timeout)
        {
            body["timeout_sec"] = (int)timeout.TotalSeconds;
        }

        if (options.Metadata is { } metadata)
        {
            body["metadata"] = new JsonObject(metadata.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        }

        if (options.Env is { } env)
        {
            body["env"] = new JsonObject(env.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        }

        var created = await client.SendJsonAsync(HttpMethod.Post, "/v1/sandboxes", body, cancellationToken).ConfigureAwait(false);
        return new Sandbox(client, SandboxInfo.From(created!));
    }

    internal static async Task<Sandbox> ConnectAsync(WrennClient client, string sandboxId, CancellationToken cancellationToken) =>
        new(client, SandboxInfo.From((await client.SendJsonAsync(HttpMethod.Get, Path(sandboxId), null, cancellationToken).ConfigureAwait(false))!));

    /// <summary>Asks the API for the sandbox now.</summary>
    public async Task<SandboxInfo> RefreshAsync(CancellationToken cancellationToken = default) =>
        Info = SandboxInfo.From((await _client.SendJsonAsync(HttpMethod.Get, Path(Id), null, cancellationToken).ConfigureAwait(false))!);

    /// <summary>Destroys it; one that is already gone is not an error.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _client.SendJsonAsync(HttpMethod.Delete, Path(Id), null, cancellationToken).ConfigureAwait(false);
        }
        catch (WrennNotFoundException)
        {
        }
    }

    /// <summary>Freezes every process where it stands (commands and files then answer <see cref="WrennConflictException"/>).</summary>
    public async Task<SandboxInfo> PauseAsync(CancellationToken cancellationToken = default) =>
        Info = SandboxInfo.From((await _client.SendJsonAsync(HttpMethod.Post, Path(Id) + "/pause", null, cancellationToken).ConfigureAwait(false))!);

    /// <summary>Continues it; <paramref name="timeout"/> replaces its inactivity timeout.</summary>
    public async Task<SandboxInfo> ResumeAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Info = SandboxInfo.From((await _client.SendJsonAsync(HttpMethod.Post, Path(Id) + "/resume", timeout is { } t ? new JsonObject { ["timeout_sec"] = (int)t.TotalSeconds } : null, cancellationToken).ConfigureAwait(false))!);

    /// <summary>Resets its inactivity timer; returns the sandbox as it is now.</summary>
    public async Task<SandboxInfo> PingAsync(CancellationToken cancellationToken = default) =>
        Info = SandboxInfo.From((await _client.SendJsonAsync(HttpMethod.Post, Path(Id) + "/ping", null, cancellationToken).ConfigureAwait(false))!);

    /// <summary>Inactivity before it is paused (zero = never).</summary>
    public Task SetTimeoutAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _client.SendJsonAsync(HttpMethod.Post, Path(Id) + "/timeout", new JsonObject { ["timeout_sec"] = (int)timeout.TotalSeconds }, cancellationToken);

    /// <summary>Makes template <paramref name="name"/> of its files; it stays as it was.</summary>
    public Task<TemplateInfo> CreateTemplateAsync(string name, CancellationToken cancellationToken = default) =>
        _client.CreateTemplateAsync(Id, name, cancellationToken);

    /// <summary>Kills the sandbox.</summary>
    public async ValueTask DisposeAsync() => await KillAsync().ConfigureAwait(false);

    private static string Path(string sandboxId) => "/v1/sandboxes/" + Uri.EscapeDataString(sandboxId);
}
