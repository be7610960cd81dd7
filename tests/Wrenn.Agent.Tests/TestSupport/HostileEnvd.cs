using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Google.Protobuf;
using Wrenn.Envd.Protocol.Filesystem;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// An envd as a tenant may rewrite it, on a loopback port: ListDir answers with directory entries
/// forever, Remove fails with an endless error text, Stat answers properly. Tells when an endless
/// answer ended because the agent hung up. (Not a byte count: once the peer is gone, Kestrel may accept
/// writes into the void until it notices, so bytes "sent" say nothing about what the agent read.)
/// </summary>
public sealed class HostileEnvd : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _hungUp = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HostileEnvd(WebApplication app) => _app = app;

    public Uri BaseUri { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Completes when the agent closed the connection an endless answer was going to.</summary>
    public Task HungUp => _hungUp.Task;

    public static async Task<HostileEnvd> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var envd = new HostileEnvd(app);
        app.MapPost("/filesystem.Filesystem/ListDir", envd.EndlessListingAsync);
        app.MapPost("/filesystem.Filesystem/Remove", envd.EndlessErrorAsync);
        app.MapPost("/filesystem.Filesystem/Stat", (HttpContext context) => context.Response.Body.WriteAsync(
            new StatResponse { Entry = new EntryInfo { Name = "ok", Path = "/ok", Type = FileType.File } }.ToByteArray(),
            context.RequestAborted).AsTask());
        await app.StartAsync(cancellationToken);
        envd.BaseUri = new Uri(app.Urls.Single().TrimEnd('/') + "/");
        return envd;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task EndlessListingAsync(HttpContext context)
    {
        context.Response.ContentType = "application/proto";

        // Field 1 (entries), repeated: a ListDirResponse that never ends.
        var entry = new ListDirResponse { Entries = { new EntryInfo { Name = "x", Path = "/x", Type = FileType.File } } }.ToByteArray();
        var chunk = Enumerable.Repeat(entry, 4096).SelectMany(b => b).ToArray();
        await SendForeverAsync(context, chunk);
    }

    private async Task EndlessErrorAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        await SendForeverAsync(context, new byte[64 * 1024]);
    }

    private async Task SendForeverAsync(HttpContext context, byte[] chunk)
    {
        try
        {
            while (!context.RequestAborted.IsCancellationRequested)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The agent hung up: what the test wants.
        }

        _hungUp.TrySetResult();
    }
}
