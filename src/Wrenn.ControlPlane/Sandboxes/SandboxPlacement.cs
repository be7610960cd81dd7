using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Wrenn.Common.Ids;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Quotas;
using Wrenn.ControlPlane.Scheduling;

namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// Decides what a new sandbox is (template or image, size) and where it runs, and admits it against
/// the team's quota, which inserts its <c>starting</c> row.
/// </summary>
public sealed class SandboxPlacement(SandboxLookup lookup, HostScheduler scheduler, IPlacementLock placementLock, TeamQuotas quotas, WrennDbContext db, TimeProvider clock, Telemetry.RequestSteps steps)
{
    /// <summary>The name E2B's SDKs send when the user names no template.</summary>
    public const string E2bDefaultTemplate = "base";

    public async Task<SandboxResult<PlacedSandbox>> PlaceAsync(SandboxCaller caller, CreateSandboxCommand command, CancellationToken cancellationToken)
    {
        var templateName = command.Template ?? SandboxRequestRules.DefaultTemplate;
        var vcpus = command.Vcpus ?? SandboxRequestRules.DefaultVcpus;
        var memoryMb = command.MemoryMb ?? SandboxRequestRules.DefaultMemoryMb;

        // Only the caller's team's templates have names here; another team's are as absent as none.
        var template = await lookup.FindTemplateAsync(caller.TeamId, templateName, cancellationToken).ConfigureAwait(false);
        if (template is null && templateName == E2bDefaultTemplate)
        {
            // E2B's SDKs ask for "base" when the user names nothing: that is our default image.
            templateName = SandboxRequestRules.DefaultTemplate;
        }

        if (template is null && WrennIds.IsTemplateId(templateName))
        {
            // Hosts find templates by id: an id the caller typed must not reach one, whoever's it is.
            return SandboxError.NotFound($"template '{templateName}' not found");
        }

        if (template is not null)
        {
            if (command.Vcpus is { } askedVcpus && askedVcpus != template.Vcpus)
            {
                return SandboxError.BadRequest($"template '{template.Name}' fixes vcpus at {template.Vcpus}; leave vcpus out or ask for {template.Vcpus}");
            }

            if (command.MemoryMb is { } askedMemory && askedMemory != template.MemoryMb)
            {
                return SandboxError.BadRequest($"template '{template.Name}' fixes memory at {template.MemoryMb} MiB; leave memory out or ask for {template.MemoryMb}");
            }

            vcpus = template.Vcpus;
            memoryMb = template.MemoryMb;
        }

        // From choosing the host until the row that counts against it is in, no other create (here or on
        // another replica) may choose: two that each fit alone must not both take a host's last room.
        steps.Mark("template");
        var held = await placementLock.AcquireAsync(db, cancellationToken).ConfigureAwait(false);
        steps.Mark("lock");
        await using (held.ConfigureAwait(false))
        {
            // The host choice, the quota and the insert on one connection, opened once (on PostgreSQL the lock's
            // transaction has it open already), and only once the lock is held: creates queued behind it hold no
            // connection of the pool. EF otherwise takes one from the pool and gives it back around each statement
            // (on SQLite with its PRAGMA each time).
            await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await PlaceOnHostAsync(caller, command, template, templateName, vcpus, memoryMb, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await db.Database.CloseConnectionAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<SandboxResult<PlacedSandbox>> PlaceOnHostAsync(SandboxCaller caller, CreateSandboxCommand command, TemplateEntity? template, string templateName, int vcpus, int memoryMb, CancellationToken cancellationToken)
    {
        // A host that holds the template is preferred; any other of its runtime is sent a copy before the create.
        var host = await scheduler.PickAsync(vcpus, memoryMb, template, cancellationToken, image: template is null ? templateName : null).ConfigureAwait(false);
        steps.Mark("pick");
        if (host is null)
        {
            return new SandboxError(
                SandboxErrorKind.NoCapacity,
                template is null
                    ? $"no live host that is not draining has room for {vcpus} vcpu(s) and {memoryMb} MiB; is a host agent running?"
                    : $"no live host that is not draining and runs what template '{templateName}' was made on has room for {vcpus} vcpu(s) and {memoryMb} MiB");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var sandbox = new SandboxEntity
        {
            Id = WrennIds.NewSandboxId(),
            TeamId = caller.TeamId,
            HostId = host.Id,
            Template = templateName,
            State = SandboxStates.Starting,
            Vcpus = vcpus,
            MemoryMb = memoryMb,
            TimeoutSec = command.InactivityTimeoutSec ?? 0,
            MetadataJson = JsonSerializer.Serialize(new Dictionary<string, string>(command.Metadata ?? new Dictionary<string, string>()), ControlPlaneJsonContext.Default.DictionaryStringString),
            CreatedAt = now,
            StartedAt = now,
            LastActiveAt = now,
            LifetimeSec = command.Lifetime is { } lifetime ? (int)Math.Ceiling(lifetime.TotalSeconds) : null,
            AutoPause = command.AutoPause,
            AutoResume = command.AutoResume,
            TrafficAccessToken = command.RequireTrafficToken ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)) : null,
        };
        if (await quotas.AdmitSandboxAsync(sandbox, cancellationToken).ConfigureAwait(false) is { } over)
        {
            return new SandboxError(SandboxErrorKind.QuotaExceeded, over + "; delete some, or ask an administrator to raise the team's quota");
        }

        // The admission marked its own steps (team-lock, quota, insert, commit).
        return new PlacedSandbox(sandbox, host, template);
    }
}
