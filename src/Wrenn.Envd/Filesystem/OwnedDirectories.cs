using Wrenn.Envd.Http;
using Wrenn.Envd.Process;

namespace Wrenn.Envd.Filesystem;

/// <summary>Creates missing directories the way a user's own mkdir -p would: owned by that user.</summary>
public static class OwnedDirectories
{
    public static void Create(string directory, UserAccount user)
    {
        var missing = new Stack<string>();
        for (var dir = directory; !string.IsNullOrEmpty(dir) && !Directory.Exists(dir); dir = Path.GetDirectoryName(dir))
        {
            missing.Push(dir);
        }

        while (missing.TryPop(out var dir))
        {
            Directory.CreateDirectory(dir);
            FileOwnership.Give(dir, user.Uid, user.Gid);
        }
    }
}
