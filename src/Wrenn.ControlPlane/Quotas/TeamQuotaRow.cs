namespace Wrenn.ControlPlane.Quotas;

/// <summary>
/// A team's usage and its own limits (null where it has none), as <see cref="TeamQuotas"/> reads them in
/// one query.
/// </summary>
public sealed record TeamQuotaRow(
    int Sandboxes,
    int Vcpus,
    long MemoryMb,
    int Templates,
    long TemplateBytes,
    int? OwnSandboxes,
    int? OwnVcpus,
    long? OwnMemoryMb,
    int? OwnTemplates,
    long? OwnTemplateBytes);
