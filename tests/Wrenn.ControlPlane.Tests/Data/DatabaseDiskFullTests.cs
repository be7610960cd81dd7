using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Data;

namespace Wrenn.ControlPlane.Tests.Data;

/// <summary>
/// The disk holding $WRENN_DIR, and with it `wrenn up`'s SQLite database, fills up (a small tmpfs, filled
/// to the last byte). Calls that must write answer 507 insufficient_storage in the envelope (never an
/// empty 500 or a hang); nothing is half-made (every sandbox the host holds is one the database knows as
/// running); and once space is freed the same calls work again without a restart.
/// </summary>
public sealed class DatabaseDiskFullTests
{
    [Fact]
    public async Task A_full_disk_under_the_SQLite_database_answers_507_and_works_again_once_space_is_freed()
    {
        // The PostgreSQL pass keeps its database elsewhere: there is nothing of this to test there.
        Assert.SkipWhen(TestDatabase.IsPostgres, "the database is SQLite only in the first pass");
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("wrenn-cp-test-full-").FullName;
        await HostCommand.RunAsync("mount", "-t", "tmpfs", "-o", "size=24m", "wrenn-cp-disk-full-test", dir);
        try
        {
            var agent = new InMemoryHostAgent();
            await using var host = await FakeAgent.StartAsync(agent);
            await using var plane = await RunningControlPlane.StartAsync(wrennDir: dir);
            var api = new ControlPlaneApi(plane);
            var (token, _) = await api.AdminAsync();
            await api.RegisterHostAsync(token, host.Address);
            plane.Http.DefaultRequestHeaders.Add("X-API-Key", await plane.ApiKeyAsync());
            var created = new List<string> { await CreateAsync(plane, ct) ?? throw new InvalidOperationException("the first create failed") };

            var filler = Path.Combine(dir, "filler");
            FullDisk.Fill(filler);

            // Creates (each with 20 KB of metadata) until the database cannot grow any more: what its files
            // had spare is used first. Fewer than the team's quota of 100 sandboxes.
            var padding = Enumerable.Range(0, 20).ToDictionary(i => "pad" + i, _ => new string('x', 1000));
            var refused = 0;
            for (var i = 0; i < 90 && refused < 3; i++)
            {
                using var response = await plane.Http.PostAsJsonAsync(new Uri("/v1/sandboxes", UriKind.Relative), new { metadata = padding }, ct).WaitAsync(TimeSpan.FromSeconds(60), ct);
                var text = await response.Content.ReadAsStringAsync(ct);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    created.Add(JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!);
                    continue;
                }

                Assert.True(response.StatusCode == HttpStatusCode.InsufficientStorage, $"create on a full disk: {(int)response.StatusCode} {text}");
                using var body = JsonDocument.Parse(text);
                Assert.Equal("insufficient_storage", body.RootElement.GetProperty("error").GetProperty("code").GetString());
                refused++;
            }

            Assert.True(refused > 0, "every create succeeded on a full disk: the test never reached the fault");

            // A pause the database cannot record leaves the sandbox running, as the database still says
            // (it was left paused on the host, and every call to it refused as paused).
            using (var pause = await plane.Http.PostAsync(new Uri($"/v1/sandboxes/{created[0]}/pause", UriKind.Relative), null, ct))
            {
                var text = await pause.Content.ReadAsStringAsync(ct);
                Assert.True(pause.StatusCode is HttpStatusCode.OK or HttpStatusCode.InsufficientStorage, $"pause on a full disk: {(int)pause.StatusCode} {text}");
                if (pause.StatusCode == HttpStatusCode.OK)
                {
                    await api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{created[0]}/resume", null, HttpStatusCode.OK);
                }
            }

            var execWhileFull = await api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{created[0]}/exec", new { cmd = "true" }, HttpStatusCode.OK);
            Assert.Equal(0, execWhileFull.GetProperty("exit_code").GetInt32());

            // Reads still work.
            using (var list = await plane.Http.GetAsync(new Uri("/v1/sandboxes", UriKind.Relative), ct))
            {
                Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            }

            File.Delete(filler);
            created.Add(await CreateAsync(plane, ct) ?? throw new InvalidOperationException("a create failed after space was freed"));
            foreach (var id in created)
            {
                var exec = await api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/exec", new { cmd = "true" }, HttpStatusCode.OK);
                Assert.Equal(0, exec.GetProperty("exit_code").GetInt32());
            }

            await using var db = new SqliteWrennDbContext(new DbContextOptionsBuilder<SqliteWrennDbContext>().UseSqlite($"Data Source={Path.Combine(dir, "wrenn.db")}").Options);
            var rows = await db.Sandboxes.AsNoTracking().ToListAsync(ct);
            Assert.True(rows.All(r => r.State == "running"), "rows left half-way: " + string.Join(", ", rows.Where(r => r.State != "running").Select(r => $"{r.Id} {r.State}")));
            Assert.Equal(created.Order(StringComparer.Ordinal), rows.Select(r => r.Id).Order(StringComparer.Ordinal));
            Assert.True(agent.Count == rows.Count, $"the host holds {agent.Count} sandboxes, the database knows {rows.Count}");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            await HostCommand.RunAsync("umount", "--lazy", dir);
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<string?> CreateAsync(RunningControlPlane plane, CancellationToken ct)
    {
        using var response = await plane.Http.PostAsJsonAsync(new Uri("/v1/sandboxes", UriKind.Relative), new { }, ct);
        return response.StatusCode == HttpStatusCode.Created
            ? (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()
            : null;
    }
}
