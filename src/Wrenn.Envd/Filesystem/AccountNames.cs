using System.Globalization;

namespace Wrenn.Envd.Filesystem;

/// <summary>User and group names by id, read once from /etc/passwd and /etc/group for one call.</summary>
public sealed class AccountNames
{
    private readonly Dictionary<uint, string> _users;
    private readonly Dictionary<uint, string> _groups;

    private AccountNames(Dictionary<uint, string> users, Dictionary<uint, string> groups)
    {
        _users = users;
        _groups = groups;
    }

    public static AccountNames Load() => new(Read("/etc/passwd"), Read("/etc/group"));

    /// <summary>The user's name, or the id as text when it has none (as ls does).</summary>
    public string User(uint uid) => _users.TryGetValue(uid, out var name) ? name : uid.ToString(CultureInfo.InvariantCulture);

    public string Group(uint gid) => _groups.TryGetValue(gid, out var name) ? name : gid.ToString(CultureInfo.InvariantCulture);

    private static Dictionary<uint, string> Read(string path)
    {
        var names = new Dictionary<uint, string>();
        if (!File.Exists(path))
        {
            return names;
        }

        foreach (var line in File.ReadLines(path))
        {
            // name:password:id:…
            var fields = line.Split(':');
            if (fields.Length >= 3 && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                names.TryAdd(id, fields[0]);
            }
        }

        return names;
    }
}
