namespace Wrenn.Envd;

/// <summary>
/// envd's versions. <see cref="Current"/> is the E2B envd version whose features this envd has: E2B's
/// SDKs learn it from the sandbox's <c>envdVersion</c> and switch features off below certain versions
/// (recursive watch 0.1.4, metrics 0.1.5, disk metrics 0.2.4, stdin choice 0.3.0, default user 0.4.0,
/// stdin close 0.5.2, octet-stream upload 0.5.7, file metadata 0.6.2, entries in watch events 0.6.3,
/// watching network mounts 0.6.4). 0.6.4 is the newest version whose features the SDKs gate on; what
/// E2B's envd added after it (heap collapse, cgroup freeze, live upgrade) serves E2B's orchestrator
/// only. Raise it only together with the features the new version brings (docs/envd.md has the table).
/// <see cref="Build"/> is Wrenn's own build of envd.
/// </summary>
public static class EnvdVersion
{
    public const string Current = "0.6.4";

    /// <summary>The project's Version (Wrenn.Envd.csproj), written into the build as a constant.</summary>
    public static string Build => EnvdBuildVersion.Value;
}
