using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Wrenn.Tests.Shared;

/// <summary>
/// What the log-event tests of each project share: the <c>[LoggerMessage]</c> methods of an assembly (by
/// reflection), the table of them that docs/operations.md holds, and the direct <c>ILogger.LogX(…)</c>
/// calls left in a src folder (each should be a <c>[LoggerMessage]</c> method with a stable event id).
/// </summary>
public static partial class LogEvents
{
    public static IReadOnlyList<LogEvent> Of(Assembly assembly) =>
        [.. assembly.GetTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Select(method => (type, method, attribute: method.GetCustomAttribute<LoggerMessageAttribute>())))
            .Where(found => found.attribute is not null)
            .Select(found => new LogEvent(found.attribute!.EventId, found.attribute.Level, found.type.Name, found.method.Name, found.attribute.Message))
            .OrderBy(e => e.Id)
            .ThenBy(e => e.Type, StringComparer.Ordinal)
            .ThenBy(e => e.Method, StringComparer.Ordinal)];

    /// <summary>The markdown table docs/operations.md shows for <paramref name="events"/>.</summary>
    public static string Table(IEnumerable<LogEvent> events)
    {
        var table = new StringBuilder()
            .Append("| Id | Level | Event | Message |\n")
            .Append("|---:|---|---|---|\n");
        foreach (var e in events)
        {
            var level = e.Level == LogLevel.None ? "(by case)" : e.Level.ToString();
            table.Append("| ").Append(e.Id).Append(" | ").Append(level).Append(" | `").Append(e.Type).Append('.').Append(e.Method)
                .Append("` | `").Append(e.Message.Replace("|", "\\|", StringComparison.Ordinal)).Append("` |\n");
        }

        return table.ToString();
    }

    /// <summary>Lines (path:line: text) under <paramref name="srcDirectory"/> that call ILogger's LogX extension methods directly.</summary>
    public static IReadOnlyList<string> DirectCalls(string srcDirectory) =>
        [.. Directory.EnumerateFiles(srcDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(path => File.ReadLines(path).Select((text, index) => (path, line: index + 1, text)))
            .Where(found => DirectCall().IsMatch(found.text))
            .Select(found => $"{Path.GetRelativePath(srcDirectory, found.path)}:{found.line}: {found.text.Trim()}")];

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Wrenn.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("no Wrenn.slnx above " + AppContext.BaseDirectory);
    }

    // .LogInformation( … .LogCritical( and .Log(level, …); Math.Log( is arithmetic.
    [GeneratedRegex(@"(?<!\bMath)\.Log(Trace|Debug|Information|Warning|Error|Critical)?\s*\(")]
    private static partial Regex DirectCall();
}
