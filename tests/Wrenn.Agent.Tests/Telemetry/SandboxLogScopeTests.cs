using System.Diagnostics.Metrics;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Pool;
using Wrenn.Agent.Sandboxes;
using Wrenn.Agent.Telemetry;
using Wrenn.Agent.Tests.Pool;
using Wrenn.Agent.Tests.Rpc;
using Wrenn.Common.HostAgent.V1;

namespace Wrenn.Agent.Tests.Telemetry;

/// <summary>
/// A line written while the agent works on a sandbox carries <c>SandboxId</c> in its scopes (what
/// <c>WRENN_LOG_FORMAT=json</c> prints), even when the line itself does not name the sandbox: for the
/// streaming calls (exec streams, uploads) the id is in the first message, not in a request.
/// </summary>
public sealed class SandboxLogScopeTests : IDisposable
{
    private readonly ScopedLogCapture _capture = new();
    private readonly ILoggerFactory _loggers;
    private readonly ServiceProvider _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public SandboxLogScopeTests()
    {
        _loggers = LoggerFactory.Create(logging => logging.AddProvider(_capture).SetMinimumLevel(LogLevel.Trace));
    }

    [Fact]
    public async Task An_exec_streams_lines_carry_the_sandbox_id_of_its_start_message()
    {
        var ct = TestContext.Current.CancellationToken;
        var sandboxId = "sb-scope" + Guid.NewGuid().ToString("N")[..8];
        var sent = new[]
        {
            new ExecStreamRequest { Start = new ExecRequest { SandboxId = sandboxId, Cmd = "cat" } },
            new ExecStreamRequest { Stdin = ByteString.CopyFromUtf8("hello") },
            new ExecStreamRequest { CloseStdin = true },
        };
        var received = new List<ExecStreamRequest>();

        await Interceptor().DuplexStreamingServerHandler(
            new ListStreamReader<ExecStreamRequest>(sent),
            new DiscardingStreamWriter<ExecStreamResponse>(),
            new DirectCallContext(ct),
            async (requests, _, _) =>
            {
                while (await requests.MoveNext(ct))
                {
                    received.Add(requests.Current);
                    _loggers.CreateLogger<SandboxCommands>().StepTook("exec", "input", 0.1);
                }
            });

        // The handler still gets every message, the start first.
        Assert.Equal(sent, received);
        var lines = _capture.Entries.Where(e => e.Category == typeof(SandboxCommands).FullName).ToList();
        Assert.Equal(3, lines.Count);
        Assert.All(lines, line => Assert.Equal(sandboxId, line.Scope.GetValueOrDefault("SandboxId")));
    }

    [Fact]
    public async Task An_uploads_lines_carry_the_sandbox_id_of_its_header()
    {
        var ct = TestContext.Current.CancellationToken;
        var sandboxId = "sb-scope" + Guid.NewGuid().ToString("N")[..8];
        var sent = new[]
        {
            new WriteFileRequest { Header = new WriteFileHeader { SandboxId = sandboxId, Path = "/tmp/x" } },
            new WriteFileRequest { Chunk = ByteString.CopyFromUtf8("data") },
        };

        var response = await Interceptor().ClientStreamingServerHandler(
            new ListStreamReader<WriteFileRequest>(sent),
            new DirectCallContext(ct),
            async (requests, _) =>
            {
                Assert.True(await requests.MoveNext(ct));
                Assert.Equal(sandboxId, requests.Current.Header.SandboxId);
                _loggers.CreateLogger<SandboxFiles>().StepTook("write", "header", 0.1);
                Assert.True(await requests.MoveNext(ct));
                Assert.Equal("data", requests.Current.Chunk.ToStringUtf8());
                Assert.False(await requests.MoveNext(ct));
                return new WriteFileResponse { Path = "/tmp/x", Size = 4 };
            });

        Assert.Equal(4UL, response.Size);
        var line = Assert.Single(_capture.Entries, e => e.Category == typeof(SandboxFiles).FullName);
        Assert.Equal(sandboxId, line.Scope.GetValueOrDefault("SandboxId"));
    }

    [Fact]
    public async Task A_stream_naming_no_sandbox_has_no_sandbox_scope_and_an_empty_one_reaches_its_handler_empty()
    {
        var ct = TestContext.Current.CancellationToken;
        var handled = false;

        await Interceptor().DuplexStreamingServerHandler(
            new ListStreamReader<ExecStreamRequest>([]),
            new DiscardingStreamWriter<ExecStreamResponse>(),
            new DirectCallContext(ct),
            async (requests, _, _) =>
            {
                Assert.False(await requests.MoveNext(ct));
                _loggers.CreateLogger<SandboxCommands>().StepTook("exec", "none", 0.1);
                handled = true;
            });

        Assert.True(handled);
        var line = Assert.Single(_capture.Entries, e => e.Category == typeof(SandboxCommands).FullName);
        Assert.False(line.Scope.ContainsKey("SandboxId"));
    }

    public void Dispose()
    {
        _loggers.Dispose();
        _meters.Dispose();
    }

    private AgentTelemetryInterceptor Interceptor()
    {
        var pool = new WarmPool(new FakePoolFiller(), new Wrenn.Agent.Sandboxes.SandboxTable(), Options.Create(new WarmPoolOptions()), TimeProvider.System, NullLogger<WarmPool>.Instance);
        var metrics = new AgentMetrics(_meters.GetRequiredService<IMeterFactory>(), new SandboxTable(), pool);
        return new AgentTelemetryInterceptor(metrics, new FakeVmRuntime(), _loggers.CreateLogger<AgentTelemetryInterceptor>());
    }
}
