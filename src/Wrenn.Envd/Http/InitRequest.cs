namespace Wrenn.Envd.Http;

/// <summary>Body of POST /init, as E2B's orchestrator sends it.</summary>
public sealed record InitRequest(
    Dictionary<string, string>? EnvVars,
    string? AccessToken,
    DateTimeOffset? Timestamp,
    string? DefaultUser,
    string? DefaultWorkdir);
