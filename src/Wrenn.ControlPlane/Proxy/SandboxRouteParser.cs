using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>
/// Reads the sandbox and port a request is for, the two ways E2B's SDKs and its client-proxy name them:
/// the host name <c>{port}-{sandbox id}.{domain}</c> (split at the first '-': Wrenn ids contain one),
/// or, when the host names no sandbox (an IP address, <c>localhost</c>, the bare domain or
/// <c>sandbox.{domain}</c>, which is how the SDK talks through E2B_SANDBOX_URL), the headers
/// <c>E2b-Sandbox-Id</c> and <c>E2b-Sandbox-Port</c>.
/// </summary>
public sealed class SandboxRouteParser(IOptions<SandboxProxyOptions> options)
{
    public const string SandboxIdHeader = "E2b-Sandbox-Id";
    public const string SandboxPortHeader = "E2b-Sandbox-Port";

    /// <summary>E2B's shared host for header-routed traffic: <c>sandbox.{domain}</c>.</summary>
    private const string SharedHostLabel = "sandbox.";

    private readonly string _domain = options.Value.DomainHost;

    public SandboxRouteResult Parse(HostString host, IHeaderDictionary headers)
    {
        var name = (host.Host ?? string.Empty).TrimEnd('.').ToLowerInvariant();
        if (name.Length == 0)
        {
            return SandboxRouteResult.Invalid("the request has no Host header");
        }

        if (IsSharedHost(name))
        {
            return FromHeaders(headers, name);
        }

        if (!name.EndsWith("." + _domain, StringComparison.Ordinal))
        {
            return SandboxRouteResult.Invalid($"host '{name}' is not a sandbox host: use {{port}}-{{sandbox id}}.{_domain}, or the {SandboxIdHeader} and {SandboxPortHeader} headers");
        }

        var label = name[..^(_domain.Length + 1)];
        var dash = label.IndexOf('-', StringComparison.Ordinal);
        if (label.Contains('.', StringComparison.Ordinal) || dash <= 0 || dash == label.Length - 1)
        {
            return SandboxRouteResult.Invalid($"host '{name}' does not look like {{port}}-{{sandbox id}}.{_domain}");
        }

        return ParsePort(label[..dash]) is { } port
            ? SandboxRouteResult.Found(label[(dash + 1)..], port)
            : SandboxRouteResult.Invalid($"'{label[..dash]}' in host '{name}' is not a port (1-65535)");
    }

    /// <summary>Hosts that name no sandbox themselves: the headers say which.</summary>
    private bool IsSharedHost(string name) =>
        name == "localhost"
        || name == _domain
        || name == SharedHostLabel + _domain
        || IPAddress.TryParse(name.Trim('[', ']'), out _);

    private static SandboxRouteResult FromHeaders(IHeaderDictionary headers, string name)
    {
        var id = headers[SandboxIdHeader].ToString().Trim();
        var portText = headers[SandboxPortHeader].ToString().Trim();
        if (id.Length == 0 || portText.Length == 0)
        {
            return SandboxRouteResult.Invalid($"host '{name}' names no sandbox: send the {SandboxIdHeader} and {SandboxPortHeader} headers, or use {{port}}-{{sandbox id}}.{{domain}}");
        }

        return ParsePort(portText) is { } port
            ? SandboxRouteResult.Found(id.ToLowerInvariant(), port)
            : SandboxRouteResult.Invalid($"{SandboxPortHeader} '{portText}' is not a port (1-65535)");
    }

    private static int? ParsePort(string text) =>
        text.Length <= 5 && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535 ? port : null;
}
