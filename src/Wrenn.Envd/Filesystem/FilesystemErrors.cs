using Wrenn.Envd.Connect;

namespace Wrenn.Envd.Filesystem;

/// <summary>Filesystem failures as Connect errors.</summary>
public static class FilesystemErrors
{
    public static ConnectException NotFound(string path) => new(ConnectCode.NotFound, $"path '{path}' does not exist");

    /// <summary>Maps what .NET throws for a filesystem call to the Connect code a client can act on.</summary>
    public static ConnectException From(Exception exception, string path) => exception switch
    {
        ConnectException connect => connect,
        FileNotFoundException or DirectoryNotFoundException => NotFound(path),
        UnauthorizedAccessException => new ConnectException(ConnectCode.PermissionDenied, $"permission denied: '{path}'"),
        PathTooLongException => new ConnectException(ConnectCode.InvalidArgument, $"path too long: '{path}'"),
        IOException io => new ConnectException(ConnectCode.Internal, $"'{path}': {io.Message}"),
        _ => new ConnectException(ConnectCode.Internal, exception.Message, exception),
    };
}
