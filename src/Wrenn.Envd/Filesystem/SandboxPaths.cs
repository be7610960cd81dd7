using Wrenn.Envd.Connect;
using Wrenn.Envd.Process;

namespace Wrenn.Envd.Filesystem;

/// <summary>Turns a path from a request into an absolute, normalised one: relative paths and "~" are the user's home.</summary>
public static class SandboxPaths
{
    public static string Resolve(string path, UserAccount user)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw new ConnectException(ConnectCode.InvalidArgument, "path is required");
        }

        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new ConnectException(ConnectCode.InvalidArgument, "path must not contain NUL");
        }

        // GetFullPath folds "." and ".." textually: the sandbox is the user's to walk, there is nothing to escape.
        return Path.GetFullPath(ProcessLauncher.ResolvePath(path, user));
    }
}
