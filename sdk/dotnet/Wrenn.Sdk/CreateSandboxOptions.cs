namespace Wrenn.Sdk;

/// <summary>What a new sandbox should be; every value is optional.</summary>
public sealed record CreateSandboxOptions
{
    /// <summary>Base image or template (default: the minimal image).</summary>
    public string? Template { get; init; }

    /// <summary>vCPUs (a template fixes them).</summary>
    public int? Vcpus { get; init; }

    /// <summary>Memory in MiB (a template fixes it).</summary>
    public int? MemoryMb { get; init; }

    /// <summary>Inactivity before the sandbox is paused; null or zero = never.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Your key/value pairs, to find it again with ListSandboxesAsync.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Environment variables for every process in it.</summary>
    public IReadOnlyDictionary<string, string>? Env { get; init; }
}
