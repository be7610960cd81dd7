using System.Text.RegularExpressions;

namespace Wrenn.Agent.Envd;

/// <summary>
/// The E2B envd version a sandbox's envd reports in <c>X-Envd-Version</c> (on /health and /init, as
/// E2B's envd does on /init). envd runs inside the sandbox, so the header is the tenant's to forge:
/// only a plain <c>major.minor.patch</c> is taken (E2B's SDKs compare it as a version and fail on
/// anything else); otherwise the version is unknown (null).
/// </summary>
public static partial class EnvdVersionHeader
{
    public const string Name = "X-Envd-Version";

    public static string? Read(HttpResponseMessage response) =>
        response.Headers.TryGetValues(Name, out var values) && values.FirstOrDefault() is { } value && Plain().IsMatch(value)
            ? value
            : null;

    [GeneratedRegex(@"^[0-9]{1,5}\.[0-9]{1,5}\.[0-9]{1,5}$", RegexOptions.CultureInvariant)]
    private static partial Regex Plain();
}
