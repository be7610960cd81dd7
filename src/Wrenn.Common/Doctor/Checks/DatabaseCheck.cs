using Wrenn.Common.Configuration;

namespace Wrenn.Common.Doctor.Checks;

/// <summary>The control plane's database: PostgreSQL at DATABASE_URL answers, or SQLite's directory is there to write to.</summary>
public sealed class DatabaseCheck : IHostCheck
{
    public string Name => "database";

    public async Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        if (settings.DatabaseUrl is null)
        {
            return HostCheckResult.Ok(Name, $"SQLite at {new WrennLayout(settings.WrennDir).SqliteDatabase}");
        }

        if (!DatabaseAddress.TryParse(settings.DatabaseUrl, out var host, out var port))
        {
            return HostCheckResult.Missing(Name, $"{WrennEnvironment.DatabaseUrl} names no host", $"set {WrennEnvironment.DatabaseUrl} to postgres://user:pass@host:port/db or Host=…;Port=…;Username=…;Database=…");
        }

        var failure = await probe.ProbePostgresAsync(host, port, cancellationToken).ConfigureAwait(false);
        return failure is null
            // Credentials are checked when the control plane connects; this says the server is there.
            ? HostCheckResult.Ok(Name, $"PostgreSQL answers at {host}:{port}")
            : HostCheckResult.Missing(Name, $"PostgreSQL at {host}:{port} ({WrennEnvironment.DatabaseUrl}) does not answer: {failure}", $"start PostgreSQL (apt-get install postgresql), or correct {WrennEnvironment.DatabaseUrl}, or unset it for SQLite");
    }
}
