using System.Text;
using Wrenn.Envd.Connect;

namespace Wrenn.Envd.Process;

/// <summary>
/// Decides which user a call acts as: the user named in the call, else the one E2B's clients put in
/// <c>Authorization: Basic base64("user:")</c>, else the default user. envd running as root can act
/// as anyone; otherwise only as itself (so tests and unprivileged runs still work).
/// </summary>
public sealed class UserResolver(EnvdState state)
{
    private readonly bool _isRoot = Environment.IsPrivilegedProcess;

    public UserAccount Resolve(HttpContext http, string? explicitName = null)
    {
        var requested = explicitName is { Length: > 0 } ? explicitName : BasicAuthUser(http.Request) ?? state.DefaultUser;
        if (_isRoot)
        {
            return UserAccount.FindInPasswd(requested)
                ?? throw new ConnectException(ConnectCode.Unauthenticated, $"invalid username: '{requested}'");
        }

        var self = Environment.UserName;
        var asked = requested != state.DefaultUser || explicitName is { Length: > 0 };
        if (asked && requested != self)
        {
            throw new ConnectException(ConnectCode.PermissionDenied, $"envd runs as '{self}', not root, and cannot act as '{requested}'");
        }

        return UserAccount.FindInPasswd(self)
            ?? new UserAccount(self, 0, 0, Environment.GetEnvironmentVariable("HOME") ?? "/", "/bin/sh");
    }

    /// <summary>The user part of a Basic authorization header, if the request has one.</summary>
    internal static string? BasicAuthUser(HttpRequest request)
    {
        // "Basic <credentials>", read by hand: System.Net.Http's header parsers would link its whole client
        // (HTTP/1-3 connections, proxies, authentication; ~0.3 MB) into envd for this one header.
        var value = request.Headers.Authorization.ToString().Trim();
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !value.AsSpan(0, space).Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var parameter = value[(space + 1)..].Trim();
        if (parameter.Length == 0)
        {
            return null;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(parameter));
            var user = decoded.Split(':', 2)[0];
            return user.Length > 0 ? user : null;
        }
        catch (FormatException)
        {
            throw new ConnectException(ConnectCode.Unauthenticated, "the Authorization header is not valid Basic credentials");
        }
    }
}
