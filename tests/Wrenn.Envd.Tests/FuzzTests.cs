using System.Net;
using System.Net.Http.Headers;
using Wrenn.Envd.Connect;

namespace Wrenn.Envd.Tests;

/// <summary>
/// Random input at the two places strangers' bytes reach first: the envelope parser and /files path
/// handling. Seeded, so a failure reproduces. Each input must give a clean Connect or HTTP error (or
/// success), never a crash, and envd must keep serving.
/// </summary>
public sealed class FuzzTests : IAsyncLifetime
{
    private RunningEnvd _envd = null!;

    public async ValueTask InitializeAsync() => _envd = await RunningEnvd.StartAsync();

    public async ValueTask DisposeAsync() => await _envd.DisposeAsync();

    [Fact]
    public async Task The_envelope_parser_only_ever_returns_an_envelope_or_a_connect_error()
    {
        var random = new Random(20261124);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            if (bytes.Length >= 5 && random.Next(2) == 0)
            {
                // Half the time, a plausible length, so payload handling is reached too.
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(1), random.Next(0, bytes.Length));
            }

            try
            {
                using var input = new MemoryStream(bytes);
                while (await ConnectEnvelope.ReadAsync(input, 1024, CancellationToken.None) is not null)
                {
                }
            }
            catch (ConnectException ex)
            {
                Assert.Contains(ex.Code, new[] { ConnectCode.InvalidArgument, ConnectCode.ResourceExhausted });
            }
        }
    }

    [Fact]
    public async Task Random_bodies_to_every_procedure_get_connect_answers_and_envd_survives()
    {
        var random = new Random(7);
        string[] procedures = ["process.Process/Start", "process.Process/Connect", "process.Process/StreamInput", "filesystem.Filesystem/WatchDir"];
        for (var i = 0; i < 300; i++)
        {
            var body = new byte[random.Next(0, 200)];
            random.NextBytes(body);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/" + procedures[i % procedures.Length]) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(random.Next(2) == 0 ? "application/connect+proto" : "application/connect+json");
            request.Headers.Add("Connect-Timeout-Ms", "2000");
            using var response = await _envd.Http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.DoesNotContain("\"internal\"", text, StringComparison.Ordinal);
        }

        using var health = await _envd.Http.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, health.StatusCode);
    }

    [Fact]
    public async Task Hostile_file_paths_get_4xx_or_a_file_never_a_500()
    {
        var random = new Random(42);
        string[] pieces = ["..", ".", "/", "//", "~", "%00", "etc", "passwd", "\u00e9", "a b", "%2e%2e", "\\", "*", "?", "proc", "self", new string('x', 300)];
        var sandboxRoot = Directory.CreateTempSubdirectory("wrenn-envd-fuzz-").FullName;
        try
        {
            for (var i = 0; i < 400; i++)
            {
                var path = string.Concat(Enumerable.Range(0, random.Next(1, 8)).Select(_ => pieces[random.Next(pieces.Length)] + (random.Next(3) == 0 ? "/" : string.Empty)));
                var target = random.Next(2) == 0 ? path : Path.Combine(sandboxRoot, path);
                using var response = await _envd.Http.GetAsync(new Uri("/files?path=" + Uri.EscapeDataString(target), UriKind.Relative), TestContext.Current.CancellationToken);
                Assert.True((int)response.StatusCode < 500, $"GET {target} answered {(int)response.StatusCode}");
            }

            using var health = await _envd.Http.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.NoContent, health.StatusCode);
        }
        finally
        {
            Directory.Delete(sandboxRoot, recursive: true);
        }
    }
}
