namespace Wrenn.ControlPlane.Bootstrap;

/// <summary>Log lines of the first-start bootstrap (admin, team, API key). Event ids 2050–2099.</summary>
internal static partial class BootstrapLog
{
    [LoggerMessage(EventId = 2050, Level = LogLevel.Warning, Message = "First start: created admin {Email}, team {TeamId} and an API key; they are in {Path} (readable by root only)")]
    public static partial void AdminCreated(this ILogger logger, string email, string teamId, string path);

    [LoggerMessage(EventId = 2051, Level = LogLevel.Warning, Message = "{Path} belonged to another database; put back this database's admin credentials (team {TeamId}) from {Kept}")]
    public static partial void CredentialsRestored(this ILogger logger, string path, string teamId, string kept);

    [LoggerMessage(EventId = 2052, Level = LogLevel.Warning, Message = "{Path} belongs to another database and no copy for this one is kept in {WrennDir}: its admin login and API key do not work here")]
    public static partial void CredentialsOfAnotherDatabase(this ILogger logger, string path, string wrennDir);
}
