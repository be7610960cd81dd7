using System.Globalization;

namespace Wrenn.Agent.Runtimes.Vm;

/// <summary>The unprivileged host user and group a VMM process runs as once it has what it needs from root.</summary>
public readonly record struct VmUser(uint Uid, uint Gid)
{
    /// <summary>
    /// "uid:gid", a bare uid (its gid the same number), or a user name from /etc/passwd (its uid and
    /// primary gid). Root (0) is refused for either: the point is not to be root.
    /// </summary>
    public static VmUser Parse(string value, string passwdPath = "/etc/passwd")
    {
        var parts = value.Split(':');
        VmUser user;
        if (parts.Length is 1 or 2 && parts.All(p => uint.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            var uid = uint.Parse(parts[0], CultureInfo.InvariantCulture);
            user = new VmUser(uid, parts.Length == 2 ? uint.Parse(parts[1], CultureInfo.InvariantCulture) : uid);
        }
        else if (parts.Length == 1 && FromPasswd(value, passwdPath) is { } named)
        {
            user = named;
        }
        else
        {
            throw new InvalidOperationException($"'{value}' is neither uid:gid, a uid, nor a user in {passwdPath}");
        }

        return user.Uid == 0 || user.Gid == 0
            ? throw new InvalidOperationException($"'{value}' is root; a VMM must run as an unprivileged user")
            : user;
    }

    /// <summary>"uid:gid", as chown and the launcher take it.</summary>
    public override string ToString() => $"{Uid.ToString(CultureInfo.InvariantCulture)}:{Gid.ToString(CultureInfo.InvariantCulture)}";

    private static VmUser? FromPasswd(string name, string passwdPath)
    {
        if (!File.Exists(passwdPath))
        {
            return null;
        }

        // name:password:uid:gid:gecos:home:shell
        foreach (var line in File.ReadLines(passwdPath))
        {
            var fields = line.Split(':');
            if (fields.Length >= 4 && fields[0] == name
                && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
                && uint.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
            {
                return new VmUser(uid, gid);
            }
        }

        return null;
    }
}
