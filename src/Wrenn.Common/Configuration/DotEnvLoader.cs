namespace Wrenn.Common.Configuration;

/// <summary>
/// Loads <c>.env</c> from the working directory into the process environment before configuration is
/// read. Variables already set in the environment are never overwritten.
/// </summary>
public static class DotEnvLoader
{
    public const string FileName = ".env";

    /// <summary>Loads the file when it exists; returns the path it read, or null.</summary>
    public static string? LoadFromWorkingDirectory()
    {
        var path = Path.Combine(Directory.GetCurrentDirectory(), FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        dotenv.net.DotEnv.Load(new dotenv.net.DotEnvOptions(envFilePaths: [path], overwriteExistingVars: false));
        return path;
    }
}
