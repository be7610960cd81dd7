using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Http.Headers;
using Wrenn.Bench.Baselines;
using Wrenn.Bench.Platform;
using Wrenn.Bench.Report;
using Wrenn.Tests.Shared;

namespace Wrenn.Bench.Measurements;

/// <summary>
/// envd on its own (no agent, no API): `process.Process/Start` of /bin/true in binary protobuf, as the
/// agent sends it, read to the end of the stream, against a local fork/exec of /bin/true. Shows how
/// much of the API's exec round trip is envd's.
/// </summary>
public sealed class EnvdExec : IMeasurement
{
    private const int WarmUp = 10;

    // StartRequest{process{cmd:"/bin/true"}, stdin:false} encoded by hand: the bench references nothing of ours.
    private static readonly byte[] StartTrue = [0x0a, 0x0b, 0x0a, 0x09, .. "/bin/true"u8, 0x20, 0x00];

    public string Row => "envd-exec";

    public string Title => "envd alone: start /bin/true and read its stream to the end";

    public PlatformKind Platform => PlatformKind.None;

    public async Task<RowResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var binary = Path.Combine(TestEnvironment.Builds, "envd");
        if (!File.Exists(binary))
        {
            return RowResult.Skip(Row, Title, $"no {binary}: run make build");
        }

        await using var envd = await EnvdProcess.StartAsync(binary, EnvdStartMode.Port, cancellationToken);
        var envdSample = new Sample("envd: process.Process/Start /bin/true (connect+proto, loopback)");
        var local = new Sample("raw: local fork/exec of /bin/true");
        for (var i = 0; i < context.Options.ExecRuns + WarmUp; i++)
        {
            var elapsed = await StartTrueAsync(envd.Http, cancellationToken);
            var (forked, _) = await LocalForkExec.RunAsync("/bin/true", [], cancellationToken);
            if (i >= WarmUp)
            {
                envdSample.Add(elapsed);
                local.Add(forked);
            }
        }

        return new RowResult(Row, Title)
        {
            Comparisons = [new Comparison("envd_exec_true", Title, envdSample, local)],
            Distributions = [envdSample],
        };
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
}
