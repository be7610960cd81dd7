using System.Net;

namespace Wrenn.E2E.Tests;

/// <summary>GET /v1/sandboxes: filters by metadata and state, and pages with a cursor.</summary>
[Collection(PlatformCollection.Name)]
public sealed class SandboxListTests(PlatformFixture fixture)
{
    private PlatformCalls Api => new(fixture.Platform);

    [Fact]
    public async Task Lists_filter_by_metadata_and_page_through_every_sandbox_once()
    {
        var ids = new List<string>();
        try
        {
            foreach (var i in Enumerable.Range(0, 5))
            {
                ids.Add(await Api.CreateSandboxAsync(new { metadata = new Dictionary<string, string> { ["suite"] = "list", ["parity"] = i % 2 == 0 ? "even" : "odd" } }));
            }

            var even = await Api.GetAsync("/v1/sandboxes?metadata=suite%3Dlist&metadata=parity%3Deven", HttpStatusCode.OK);
            Assert.Equal([ids[0], ids[2], ids[4]], even.GetProperty("sandboxes").EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList());
            Assert.Equal(System.Text.Json.JsonValueKind.Null, even.GetProperty("next_cursor").ValueKind);

            var seen = new List<string>();
            string? cursor = null;
            var pages = 0;
            do
            {
                var page = await Api.GetAsync("/v1/sandboxes?metadata=suite%3Dlist&limit=2" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor)), HttpStatusCode.OK);
                var onPage = page.GetProperty("sandboxes").EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList();
                Assert.InRange(onPage.Count, 1, 2);
                seen.AddRange(onPage);
                cursor = page.GetProperty("next_cursor").GetString();
                pages++;
            }
            while (cursor is not null);
            Assert.Equal(3, pages);
            Assert.Equal(ids, seen);

            await Api.DeleteAsync($"/v1/sandboxes/{ids[1]}", HttpStatusCode.NoContent);
            var stopped = await Api.GetAsync("/v1/sandboxes?state=stopped&metadata=suite%3Dlist", HttpStatusCode.OK);
            Assert.Equal([ids[1]], stopped.GetProperty("sandboxes").EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList());

            await Api.GetAsync("/v1/sandboxes?limit=0", HttpStatusCode.BadRequest);
            await Api.GetAsync("/v1/sandboxes?limit=abc", HttpStatusCode.BadRequest);
            await Api.GetAsync("/v1/sandboxes?cursor=not-a-cursor", HttpStatusCode.BadRequest);
            await Api.GetAsync("/v1/sandboxes?metadata=novalue", HttpStatusCode.BadRequest);
            await Api.GetAsync("/v1/sandboxes?state=sleeping", HttpStatusCode.BadRequest);
        }
        finally
        {
            foreach (var id in ids)
            {
                await Api.DeleteSandboxQuietlyAsync(id);
            }
        }
    }
}
