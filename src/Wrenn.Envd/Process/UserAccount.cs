namespace Wrenn.Envd.Process;

/// <summary>A Unix account inside the sandbox: who processes run as and who owns files written for them.</summary>
public sealed record UserAccount(string Name, uint Uid, uint Gid, string Home, string Shell)
{
    /// <summary>Reads the account from a passwd file; null when there is none of that name.</summary>
    public static UserAccount? FindInPasswd(string name, string passwdPath = "/etc/passwd")
    {
        if (!File.Exists(passwdPath))
        {
            return null;
        }

        foreach (var line in File.ReadLines(passwdPath))
        {
            // name:password:uid:gid:gecos:home:shell
            var fields = line.Split(':');
            if (fields.Length >= 7 && fields[0] == name
                && uint.TryParse(fields[2], System.Globalization.CultureInfo.InvariantCulture, out var uid)
                && uint.TryParse(fields[3], System.Globalization.CultureInfo.InvariantCulture, out var gid))
            {
                return new UserAccount(name, uid, gid, fields[5], fields[6]);
            }
        }

        return null;
    }
}
