using System.Net;
using System.Text;
using System.Text.Json;

namespace Wrenn.E2E.Tests;

/// <summary>Bad bodies on the calls that act on one live sandbox: refused, and the sandbox unharmed.</summary>
[Collection(PlatformCollection.Name)]
public sealed class SandboxBadInputTests(PlatformFixture fixture)
{
    private PlatformCalls Api => new(fixture.Platform);

    [Fact]
    public async Task Malformed_wrong_typed_out_of_range_and_oversized_bodies_answer_4xx_and_the_sandbox_keeps_working()
    {
        var id = await Api.CreateSandboxAsync(new { });
        try
        {
            var oversized = "{\"cmd\": \"" + new string('x', 1024 * 1024 + 10) + "\"}";
            foreach (var (path, body, status) in new (string, string, HttpStatusCode)[]
                     {
                         ($"/v1/sandboxes/{id}/exec", "{not json", HttpStatusCode.BadRequest),
                         ($"/v1/sandboxes/{id}/exec", "{\"cmd\": 5}", HttpStatusCode.BadRequest),
                         ($"/v1/sandboxes/{id}/exec", "{}", HttpStatusCode.BadRequest),
                         ($"/v1/sandboxes/{id}/exec", "{\"cmd\": \"true\", \"timeout_sec\": -3}", HttpStatusCode.BadRequest),
                         ($"/v1/sandboxes/{id}/exec", "{\"cmd\": \"true\", \"pty\": {\"cols\": 80, \"rows\": 24}}", HttpStatusCode.BadRequest),
                         ($"/v1/sandboxes/{id}/exec/stream", "{\"cmd\": \"true\", \"pty\": {\"cols\": 0, \"rows\": 24}}", HttpStatusCode.BadRequest),
                         ($"/v1/sandboxes/{id}/exec", oversized, HttpStatusCode.RequestEntityTooLarge),
                         ($"/v1/sandboxes/{id}/exec/stream", "[1]", HttpStatusCode.BadRequest),
                         ($"/v1/sandboxes/{id}/timeout", "{\"timeout_sec\": \"soon\"}", HttpStatusCode.BadRequest),
                         ($"/v1/sandboxes/{id}/timeout", "{\"timeout_sec\": -1}", HttpStatusCode.BadRequest),
                         ($"/v1/sandboxes/{id}/files/mkdir", "{\"path\": 3}", HttpStatusCode.BadRequest),
                         ($"/v1/sandboxes/{id}/files/mkdir", "{}", HttpStatusCode.BadRequest),
                     })
            {
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using var response = await fixture.Platform.Http.PostAsync(new Uri(path, UriKind.Relative), content, TestContext.Current.CancellationToken);
                var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                Assert.True(response.StatusCode == status, $"POST {path} {body[..Math.Min(body.Length, 60)]}: expected {(int)status}, got {(int)response.StatusCode}: {text}");
                using var envelope = JsonDocument.Parse(text);
                Assert.False(string.IsNullOrEmpty(envelope.RootElement.GetProperty("error").GetProperty("code").GetString()));
            }

            Assert.Equal("still fine\n", await Api.ExecAsync(id, "echo still fine"));
            Assert.Equal("running", (await Api.GetAsync($"/v1/sandboxes/{id}", HttpStatusCode.OK)).GetProperty("state").GetString());
        }
        finally
        {
            await Api.DeleteSandboxQuietlyAsync(id);
        }
    }
}
