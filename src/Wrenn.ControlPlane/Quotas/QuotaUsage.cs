namespace Wrenn.ControlPlane.Quotas;

/// <summary>What a team holds now, in the units of <see cref="QuotaLimits"/>.</summary>
public sealed record QuotaUsage(int Sandboxes, int Vcpus, long MemoryMb, int Templates, long TemplateBytes);
