using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.E2b.Contracts;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.E2b;

/// <summary>Wrenn's sandboxes and errors in E2B's shapes.</summary>
public static class E2bMapping
{
    /// <summary>
    /// What the SDK is told when the host reported no envd version: the oldest the SDKs accept, so
    /// they switch off what they cannot be sure of rather than call what is not there.
    /// </summary>
    public const string FallbackEnvdVersion = "0.1.0";

    /// <summary>E2B's endAt is required; a sandbox without an end time never ends.</summary>
    public static readonly DateTime NoEndTime = new(9999, 12, 31, 23, 59, 59, DateTimeKind.Utc);

    /// <summary>E2B's two states, or null for a sandbox E2B would not show (stopped, failed).</summary>
    public static string? State(string wrennState) => wrennState switch
    {
        SandboxStates.Running or SandboxStates.Starting or SandboxStates.Resuming => "running",
        SandboxStates.Paused or SandboxStates.Pausing => "paused",
        _ => null,
    };

    /// <summary>
    /// E2B's alias of the sandbox's template: its name, except that the default image is "base", the
    /// name E2B's SDKs ask for it by (E2B answers a template's id in templateID and "base" in alias).
    /// </summary>
    public static string Alias(SandboxDetails sandbox) =>
        sandbox.Template == Api.SandboxRequestRules.DefaultTemplate ? SandboxPlacement.E2bDefaultTemplate : sandbox.Template;

    public static E2bSandbox ToSandbox(SandboxDetails sandbox, string? domain) => new(
        sandbox.Template,
        sandbox.Id,
        Alias(sandbox),
        sandbox.HostId,
        sandbox.EnvdVersion ?? FallbackEnvdVersion,
        sandbox.EnvdAccessToken,
        sandbox.TrafficAccessToken,
        domain);

    public static E2bSandboxDetail ToDetail(SandboxDetails sandbox, string state, string? domain) => new(
        sandbox.Template,
        Alias(sandbox),
        sandbox.Id,
        sandbox.HostId,
        Utc(sandbox.StartedAt),
        sandbox.EndAt is { } end ? Utc(end) : NoEndTime,
        sandbox.EnvdVersion ?? FallbackEnvdVersion,
        sandbox.EnvdAccessToken,
        domain,
        sandbox.Vcpus,
        sandbox.MemoryMb,
        sandbox.DiskSizeMb ?? 0,
        new Dictionary<string, string>(sandbox.Metadata),
        state,
        new E2bSandboxLifecycle(sandbox.AutoResume, sandbox.AutoPause ? "pause" : "kill"));

    public static E2bListedSandbox ToListed(SandboxDetails sandbox, string state) => new(
        sandbox.Template,
        Alias(sandbox),
        sandbox.Id,
        sandbox.HostId,
        Utc(sandbox.StartedAt),
        sandbox.EndAt is { } end ? Utc(end) : NoEndTime,
        sandbox.Vcpus,
        sandbox.MemoryMb,
        sandbox.DiskSizeMb ?? 0,
        new Dictionary<string, string>(sandbox.Metadata),
        state,
        sandbox.EnvdVersion ?? FallbackEnvdVersion);

    public static E2bSnapshotInfo ToSnapshot(TemplateDetails template) => new(template.Name, [template.Name]);

    /// <summary>The sandbox service's error with E2B's status for it.</summary>
    public static IResult Error(SandboxError error) =>
        error.Kind == SandboxErrorKind.NoCapacity
            ? new Api.RetryAfterResult(E2bResults.Error(Status(error.Kind), error.Message))
            : E2bResults.Error(Status(error.Kind), error.Message);

    /// <summary>E2B's statuses are Wrenn's own for each kind; only the body differs.</summary>
    public static int Status(SandboxErrorKind kind) => Api.SandboxErrors.Describe(kind).Status;

    private static DateTime Utc(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc);
}
