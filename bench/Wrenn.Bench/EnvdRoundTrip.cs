using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Wrenn.Bench;

/// <summary>
/// envd on its own: the NativeAOT binary on a loopback port, `process.Process/Start` of /bin/true in
/// binary protobuf (what the host agent sends), read to the end of the stream.
/// </summary>
public sealed class EnvdRoundTrip(string envdBinary)
{
    // StartRequest{process{cmd:"/bin/true"}, stdin:false} encoded by hand: the bench references nothing of ours.
    private static readonly byte[] StartTrue = [0x0a, 0x0b, 0x0a, 0x09, .. "/bin/true"u8, 0x20, 0x00];

    public async Task<(Sample Envd, Sample Local, TimeSpan StartToHealth, long IdleRssKb)> RunAsync(int runs, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var started = Stopwatch.GetTimestamp();
        using var envd = Process.Start(new ProcessStartInfo(envdBinary, ["--listen", $"127.0.0.1:{port}", "--default-user", "root"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        envd.OutputDataReceived += (_, _) => { };
        envd.ErrorDataReceived += (_, _) => { };
        envd.BeginOutputReadLine();
        envd.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            while (true)
            {
                try
                {
                    using var health = await http.GetAsync(new Uri("/health", UriKind.Relative), cancellationToken);
                    if (health.StatusCode == HttpStatusCode.NoContent)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(1, cancellationToken);
                }
            }

            var startToHealth = Stopwatch.GetElapsedTime(started);
            await Task.Delay(500, cancellationToken);
            var idleRss = long.Parse(File.ReadLines($"/proc/{envd.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);

            var envdSample = new Sample("envd: process.Process/Start /bin/true (connect+proto, loopback)");
            var localSample = new Sample("raw: local fork/exec of /bin/true");
            for (var i = 0; i < runs + 10; i++)
            {
                var elapsed = await StartTrueAsync(http, cancellationToken);
                var (local, _) = await LocalForkExec.RunAsync("/bin/true", [], cancellationToken);
                if (i >= 10)
                {
                    envdSample.Add(elapsed);
                    localSample.Add(local);
                }
            }

            return (envdSample, localSample, startToHealth, idleRss);
        }
        finally
        {
            envd.Kill();
            await envd.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static async Task<TimeSpan> StartTrueAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var frame = new byte[5 + StartTrue.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), StartTrue.Length);
        StartTrue.CopyTo(frame, 5);
        var started = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/process.Process/Start") { Content = new ByteArrayContent(frame) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/connect+proto");
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);
        // The stream must end cleanly: its last envelope is the end of stream, "{}".
        if (body.Length < 7 || body[^7] != 0x02 || body[^2] != (byte)'{' || body[^1] != (byte)'}')
        {
            throw new InvalidOperationException("envd did not end the stream cleanly");
        }

        return elapsed;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
