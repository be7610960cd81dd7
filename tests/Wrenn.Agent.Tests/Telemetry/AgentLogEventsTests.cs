using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Wrenn.Agent.Tests.Telemetry;

/// <summary>
/// The agent's log lines are source-generated events with stable ids (docs/operations.md, "Log events: agent"):
/// no direct LogInformation-style call is left, no id is taken twice or falls outside 3000–3999, and the
/// table in the docs lists every event an operator can alert on.
/// </summary>
public sealed partial class AgentLogEventsTests
{
    private const int FirstId = 3000;
    private const int LastId = 3999;

    [Fact]
    public void No_agent_source_logs_without_an_event()
    {
        var source = Path.Combine(RepoRoot(), "src", "Wrenn.Agent");
        var direct = new List<string>();
        foreach (var file in Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                || relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue;
            }

            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (DirectLogCall().IsMatch(lines[i]))
                {
                    direct.Add($"{relative}:{i + 1}: {lines[i].Trim()}");
                }
            }
        }

        Assert.True(direct.Count == 0, "log through a [LoggerMessage] method in the folder's <Area>Log class instead:\n" + string.Join('\n', direct));
    }

    [Fact]
    public void Every_event_id_is_unique_and_in_the_agents_range()
    {
        var events = AgentEvents();
        Assert.True(events.Count >= 100, $"only {events.Count} [LoggerMessage] methods found in the agent");

        var outside = events.Where(e => e.Id is < FirstId or > LastId).Select(e => $"{e.Id} {e.Name}").ToList();
        Assert.True(outside.Count == 0, "event ids outside the agent's 3000-3999: " + string.Join(", ", outside));

        var taken = events.GroupBy(e => e.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Name))}").ToList();
        Assert.True(taken.Count == 0, "event ids used twice: " + string.Join("; ", taken));
    }

    [Fact]
    public void The_operations_docs_list_every_agent_event()
    {
        var documented = DocumentedEvents();
        var missing = AgentEvents()
            .Where(e => !documented.Contains($"{e.Id} {e.Level} {e.Name}"))
            .OrderBy(e => e.Id)
            .Select(e => $"| {e.Id} | {e.Level} | `{e.Name}` | `{e.Message.Replace("|", "\\|", StringComparison.Ordinal)}` |")
            .ToList();
        Assert.True(missing.Count == 0, "add these rows to docs/operations.md, \"Log events: agent\":\n" + string.Join('\n', missing));

        var stale = documented.Except(AgentEvents().Select(e => $"{e.Id} {e.Level} {e.Name}")).ToList();
        Assert.True(stale.Count == 0, "docs/operations.md lists agent events that do not exist: " + string.Join(", ", stale));
    }

    private static List<LoggedEvent> AgentEvents() =>
        typeof(AgentHost).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Attribute is not null)
            .Select(x => new LoggedEvent(x.Attribute!.EventId, x.Attribute.Level.ToString(), x.Method.DeclaringType!.Name + "." + x.Method.Name, x.Attribute.Message))
            .ToList();

    /// <summary>"3100 Information SandboxLog.SandboxDestroyed" for each row of the agent's table.</summary>
    private static HashSet<string> DocumentedEvents()
    {
        var lines = File.ReadAllLines(Path.Combine(RepoRoot(), "docs", "operations.md"));
        var start = Array.IndexOf(lines, "## Log events: agent");
        Assert.True(start >= 0, "docs/operations.md has no \"## Log events: agent\" heading");
        return lines.Skip(start + 1)
            .TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal))
            .Select(l => TableRow().Match(l))
            .Where(m => m.Success)
            .Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value} {m.Groups[3].Value}")
            .ToHashSet(StringComparer.Ordinal);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Wrenn.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (Wrenn.slnx) not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"\.Log(Trace|Debug|Information|Warning|Error|Critical)\s*\(|\.Log\s*\(\s*LogLevel\.")]
    private static partial Regex DirectLogCall();

    [GeneratedRegex(@"^\|\s*(\d+)\s*\|\s*(\w+)\s*\|\s*`(\w+\.\w+)`\s*\|")]
    private static partial Regex TableRow();
}
