using System.Text;

namespace Wrenn.Agent.Runtimes;

/// <summary>The console log a runtime keeps in the sandbox directory: what init and envd printed, for error messages.</summary>
public static class ConsoleLog
{
    public const string FileName = "console.log";
    private const int TailBytes = 4096;

    public static string PathIn(string sandboxDirectory) => Path.Combine(sandboxDirectory, FileName);

    /// <summary>The last few KiB of the log, or empty when there is none.</summary>
    public static string Tail(string sandboxDirectory)
    {
        var path = PathIn(sandboxDirectory);
        if (!File.Exists(path))
        {
            return string.Empty;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(Math.Max(0, stream.Length - TailBytes), SeekOrigin.Begin);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd().Trim();
    }
}
