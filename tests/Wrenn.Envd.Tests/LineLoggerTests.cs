using Microsoft.Extensions.Logging;
using Wrenn.Envd.Hosting;

namespace Wrenn.Envd.Tests;

/// <summary>envd's log goes to the sandbox's console, read line by line: one entry must be one line.</summary>
public sealed class LineLoggerTests
{
    [Fact]
    public void An_entry_with_an_exception_is_one_line_with_level_category_event_and_message()
    {
        using var output = new StringWriter();
        using var provider = new LineLoggerProvider(output);
        var logger = provider.CreateLogger("Wrenn.Envd.Process");
        Exception failure;
        try
        {
            throw new InvalidOperationException("boom\nsecond line");
        }
        catch (InvalidOperationException ex)
        {
            failure = ex;
        }

        logger.LogWarning(new EventId(7), failure, "Could not start {Program}", "echo");

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("warn: Wrenn.Envd.Process[7] Could not start echo System.InvalidOperationException: boom second line", line, StringComparison.Ordinal);
        Assert.Contains(nameof(An_entry_with_an_exception_is_one_line_with_level_category_event_and_message), line, StringComparison.Ordinal);
    }
}
