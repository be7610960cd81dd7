namespace Wrenn.Envd.Http;

/// <summary>
/// The headers that tell a caller which envd answers: <c>X-Envd-Version</c> (the E2B envd version, which
/// E2B's orchestrator reads off /init and Wrenn's agent off /init and /health) and
/// <c>X-Wrenn-Envd-Build</c> (Wrenn's build, for operators).
/// </summary>
public static class VersionHeaders
{
    public const string Version = "X-Envd-Version";
    public const string Build = "X-Wrenn-Envd-Build";

    public static void Add(HttpResponse response)
    {
        response.Headers[Version] = EnvdVersion.Current;
        response.Headers[Build] = EnvdVersion.Build;
    }
}
