namespace Wrenn.Common.Configuration;

/// <summary>
/// What <see cref="DotEnvLoader"/> did: the program's arguments without <c>--env-file</c>, the file it
/// loaded (or null), and whether the program must stop (an explicit file that cannot be read).
/// </summary>
public sealed record DotEnvLoad(string[] RemainingArgs, string? LoadedPath, bool Failed);
