using Microsoft.Extensions.Logging;
using Wrenn.Envd.Hosting;

namespace Wrenn.Envd.Tests.Hosting;

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

    [Fact]
    public void Kestrels_information_lines_are_left_out_but_its_warnings_and_envds_own_information_are_written()
    {
        using var output = new StringWriter();
        using var loggers = new LineLoggerFactory(new LineLoggerProvider(output));

        loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel").LogInformation("Now listening");
        loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel").LogWarning("Heartbeat took too long");
        loggers.CreateLogger("Wrenn.Envd.Process.ProcessLauncher").LogInformation("Started pid {Pid}", 42);
        loggers.CreateLogger("Wrenn.Envd.Process.ProcessLauncher").LogDebug("not at the default level");

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["warn: Microsoft.AspNetCore.Server.Kestrel[0] Heartbeat took too long", "info: Wrenn.Envd.Process.ProcessLauncher[0] Started pid 42"], lines);
    }
}
