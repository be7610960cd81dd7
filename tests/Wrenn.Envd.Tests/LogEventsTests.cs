using Wrenn.Envd.Hosting;
using Wrenn.Tests.Shared;

namespace Wrenn.Envd.Tests;

/// <summary>
/// Every envd log line is a source-generated <c>[LoggerMessage]</c> method with an event id of its own in
/// 1000–1999, listed in docs/operations.md; the id is printed with the line (<c>category[id]</c>).
/// </summary>
public sealed class LogEventsTests
{
    private static readonly System.Reflection.Assembly Envd = typeof(LineLogger).Assembly;

    [Fact]
    public void No_envd_code_calls_the_LogX_methods_directly()
    {
        var direct = LogEvents.DirectCalls(Path.Combine(LogEvents.RepositoryRoot(), "src", "Wrenn.Envd"));
        Assert.True(direct.Count == 0, "make these [LoggerMessage] methods with an event id (see docs/operations.md, Log events):\n" + string.Join('\n', direct));
    }

    [Fact]
    public void Event_ids_are_unique_and_in_envds_range()
    {
        var events = LogEvents.Of(Envd);
        Assert.NotEmpty(events);
        var outside = events.Where(e => e.Id is < 1000 or > 1999).Select(e => $"{e.Id} {e.Type}.{e.Method}").ToList();
        Assert.True(outside.Count == 0, "event ids outside 1000–1999: " + string.Join(", ", outside));
        var reused = events.GroupBy(e => e.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: " + string.Join(", ", g.Select(e => $"{e.Type}.{e.Method}"))).ToList();
        Assert.True(reused.Count == 0, "event ids used twice: " + string.Join("; ", reused));
    }

    [Fact]
    public void Docs_operations_md_lists_every_event()
    {
        const string heading = "### Log events: envd";
        var docs = File.ReadAllText(Path.Combine(LogEvents.RepositoryRoot(), "docs", "operations.md"));
        var table = LogEvents.Table(LogEvents.Of(Envd));
        var start = docs.IndexOf(heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/operations.md has no '{heading}' heading");
        var end = docs.IndexOf("\n#", start + heading.Length, StringComparison.Ordinal);
        var section = end < 0 ? docs[start..] : docs[start..end];
        Assert.True(section.Contains(table, StringComparison.Ordinal), $"under '{heading}', docs/operations.md should hold this table:\n{table}");
    }

    [Fact]
    public void A_line_is_written_with_its_event_id()
    {
        using var output = new StringWriter();
        using var loggers = new LineLoggerFactory(new LineLoggerProvider(output));
        Wrenn.Envd.Connect.ConnectLog.ProcedureFailed(loggers.CreateLogger("envd"), new InvalidOperationException("boom"), "process.Process/Start");
        Assert.Contains("envd[1400] process.Process/Start failed", output.ToString(), StringComparison.Ordinal);
    }
}
