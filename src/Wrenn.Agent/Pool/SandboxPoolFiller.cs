using System.Globalization;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Sandboxes;
using Wrenn.Agent.Storage;
using Wrenn.Agent.Telemetry;
using Wrenn.Common.Ids;

namespace Wrenn.Agent.Pool;

/// <summary>Fills the warm pool with real sandboxes: the cold create's steps, under a pool-made id.</summary>
public sealed class SandboxPoolFiller(
    SandboxStarter starter,
    SandboxTeardown teardown,
    TemplateStore templates,
    SandboxRequestValidator validator,
    PooledEnvdWarmer warmer,
    IOptions<AgentOptions> agentOptions,
    ILogger<SandboxPoolFiller> logger) : IPoolFiller
{
    /// <summary>Where images put envd (scripts/publish.sh, the image builder).</summary>
    private const string EnvdPathInRootfs = "usr/local/bin/envd";

    /// <summary>
    /// The template's layers' versions (an image's is the hash of its manifest, which names the envd it
    /// was built with) and the envd binary's size and change time: cheap, and different whenever the
    /// image is rebuilt, envd is replaced in it, or the template is made again.
    /// </summary>
    public string? Stamp(string template)
    {
        try
        {
            var layers = templates.ResolveLayerSources(template);
            var envd = new FileInfo(Path.Combine(layers[^1].Directory, EnvdPathInRootfs));
            var envdStamp = envd.Exists ? envd.Length.ToString(CultureInfo.InvariantCulture) + "@" + envd.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture) : "none";
            return string.Join('/', layers.Select(l => l.Version)) + "+" + envdStamp;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return null;
        }
    }

    public async Task<Sandbox> FillAsync(PoolKey key, CancellationToken cancellationToken)
    {
        var id = WrennIds.NewSandboxId();
        using var scope = logger.BeginSandboxScope(id);
        var spec = new CreateSandboxSpec(id, key.Template, key.Vcpus, key.MemoryMb, 0, new Dictionary<string, string>());

        // A size no create may ask for (WRENN_WARM_POOL is the operator's) fails here, with the create's words.
        validator.ValidateCreate(spec);
        var sandbox = new Sandbox(spec, Path.Combine(agentOptions.Value.SandboxesDir, id));
        await starter.StartAsync(sandbox, pooled: true, cancellationToken).ConfigureAwait(false);

        // While it waits, not when the claimer's first exec is on the clock.
        await warmer.WarmAsync(sandbox, cancellationToken).ConfigureAwait(false);
        return sandbox;
    }

    public async Task<IReadOnlyList<Exception>> DestroyAsync(Sandbox sandbox, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginSandboxScope(sandbox.Id);
        return await teardown.TearDownAsync(sandbox, cancellationToken).ConfigureAwait(false);
    }
}
