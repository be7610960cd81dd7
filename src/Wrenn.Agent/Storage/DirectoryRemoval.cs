namespace Wrenn.Agent.Storage;

/// <summary>Removing what the agent keeps on disk (half-made templates, stale copies) where a failure must not stop the caller.</summary>
public static class DirectoryRemoval
{
    /// <summary>Removes <paramref name="directory"/> and everything in it if it exists; a failure is logged as a warning.</summary>
    public static void RemoveQuietly(string directory, ILogger logger)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.DirectoryRemoveFailed(ex, directory);
        }
    }
}
