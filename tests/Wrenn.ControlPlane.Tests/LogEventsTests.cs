using System.Reflection;
using Wrenn.Tests.Shared;

namespace Wrenn.ControlPlane.Tests;

/// <summary>
/// Every log line of the control plane and the shared projects is a source-generated <c>[LoggerMessage]</c>
/// method with an event id of its own, in its project's range, and listed in docs/operations.md: an operator
/// can filter or alert on an id, and it keeps meaning the same event.
/// </summary>
public sealed class LogEventsTests
{
    private static readonly Assembly ControlPlane = typeof(ControlPlaneOptions).Assembly;
    private static readonly Assembly Telemetry = typeof(Wrenn.Telemetry.SandboxLogScope).Assembly;
    private static readonly Assembly Common = typeof(Wrenn.Common.Configuration.ListenAddress).Assembly;

    [Theory]
    [InlineData("Wrenn.ControlPlane")]
    [InlineData("Wrenn.Telemetry")]
    [InlineData("Wrenn.Common")]
    [InlineData("Wrenn.Cli")]
    public void No_code_calls_the_LogX_methods_directly(string project)
    {
        var direct = LogEvents.DirectCalls(Path.Combine(LogEvents.RepositoryRoot(), "src", project));
        Assert.True(direct.Count == 0, "make these [LoggerMessage] methods with an event id (see docs/operations.md, Log events):\n" + string.Join('\n', direct));
    }

    [Fact]
    public void Event_ids_are_unique_and_in_each_projects_range()
    {
        var controlPlane = LogEvents.Of(ControlPlane);
        Assert.NotEmpty(controlPlane);
        AssertUniqueWithin(controlPlane, 2000, 2999);
        AssertUniqueWithin(LogEvents.Of(Telemetry).Concat(LogEvents.Of(Common)).ToList(), 4000, 4999);
    }

    [Fact]
    public void Docs_operations_md_lists_every_event()
    {
        var docs = File.ReadAllText(Path.Combine(LogEvents.RepositoryRoot(), "docs", "operations.md"));
        AssertSection(docs, "### Log events: control plane", LogEvents.Table(LogEvents.Of(ControlPlane)));
        AssertSection(docs, "### Log events: shared", LogEvents.Table(LogEvents.Of(Telemetry).Concat(LogEvents.Of(Common))));
    }

    private static void AssertUniqueWithin(IReadOnlyList<LogEvent> events, int first, int last)
    {
        var outside = events.Where(e => e.Id < first || e.Id > last).Select(e => $"{e.Id} {e.Type}.{e.Method}").ToList();
        Assert.True(outside.Count == 0, $"event ids outside {first}–{last}: " + string.Join(", ", outside));
        var reused = events.GroupBy(e => e.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: " + string.Join(", ", g.Select(e => $"{e.Type}.{e.Method}"))).ToList();
        Assert.True(reused.Count == 0, "event ids used twice: " + string.Join("; ", reused));
    }

    private static void AssertSection(string docs, string heading, string table)
    {
        var start = docs.IndexOf(heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/operations.md has no '{heading}' heading");
        var end = docs.IndexOf("\n#", start + heading.Length, StringComparison.Ordinal);
        var section = end < 0 ? docs[start..] : docs[start..end];
        Assert.True(section.Contains(table, StringComparison.Ordinal), $"under '{heading}', docs/operations.md should hold this table:\n{table}");
    }
}
