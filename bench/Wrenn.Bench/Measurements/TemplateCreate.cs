using Wrenn.Bench.Platform;
using Wrenn.Bench.Report;

namespace Wrenn.Bench.Measurements;

/// <summary>Container sandboxes from a template (a snapshot of a sandbox) against the same from the base image, create + first exec.</summary>
public sealed class TemplateCreate : IMeasurement
{
    private const string Template = "bench-template";

    public string Row => "template";

    public string Title => "create + first exec from a template vs from the base image";

    public PlatformKind Platform => PlatformKind.Cold;

    public async Task<RowResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var platform = await context.Platforms.GetAsync(Platform, cancellationToken);
        var client = new SandboxClient(platform.Http);
        var source = await client.CreateAsync("minimal", cancellationToken);
        try
        {
            await client.EchoHelloAsync(source, cancellationToken);
            await client.SnapshotAsync(source, Template, cancellationToken);
            await CreateThenExec.TimeAsync(client, Template, cancellationToken);
            var fromTemplate = new Sample("wrenn: create from a template + first exec");
            var fromBase = new Sample("wrenn: create from the base image + first exec");
            for (var i = 0; i < context.Options.Runs; i++)
            {
                fromTemplate.Add(await CreateThenExec.TimeAsync(client, Template, cancellationToken));
                fromBase.Add(await CreateThenExec.TimeAsync(client, "minimal", cancellationToken));
            }

            return new RowResult(Row, Title)
            {
                Comparisons = [new Comparison("create_from_template", Title, fromTemplate, fromBase)],
                Distributions = [fromTemplate],
            };
        }
        finally
        {
            await client.DeleteSandboxAsync(source);
            await client.DeleteAsync($"/v1/snapshots/{Template}");
        }
    }
}
