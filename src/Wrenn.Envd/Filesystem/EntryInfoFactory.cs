using Google.Protobuf.WellKnownTypes;
using Wrenn.Envd.Protocol.Filesystem;

namespace Wrenn.Envd.Filesystem;

/// <summary>Describes a path as E2B's EntryInfo: type, size, Go-style mode and permissions, owner, time, link target.</summary>
public static class EntryInfoFactory
{
    /// <summary>The entry at <paramref name="path"/> (not following a final symlink); null when nothing is there.</summary>
    public static EntryInfo? TryCreate(string path, AccountNames names)
    {
        var status = FileStatus.TryRead(path);
        return status is null ? null : Create(path, status, names);
    }

    /// <summary>
    /// As E2B's envd does it: name, path and size from lstat; permissions as Go prints the lstat mode
    /// ("Lrwxrwxrwx" for a link); but a symlink's type and mode are its target's (a dangling link is
    /// unspecified, mode 0), and its symlink_target is the fully resolved absolute path.
    /// </summary>
    public static EntryInfo Create(string path, FileStatus status, AccountNames names)
    {
        var goMode = GoFileMode.FromUnixMode(status.Mode);
        var target = status.IsSymlink ? ResolveLink(path) : null;
        var effective = !status.IsSymlink ? status : target is null ? null : FileStatus.TryRead(target);

        var entry = new EntryInfo
        {
            Name = path == "/" ? "/" : Path.GetFileName(path.TrimEnd('/')),
            Type = effective is null ? FileType.Unspecified : effective.IsDirectory ? FileType.Directory : effective.IsRegularFile ? FileType.File : FileType.Unspecified,
            Path = path,
            Size = status.Size,
            Mode = effective is null ? 0 : effective.Mode & 0x1FF,
            Permissions = GoFileMode.ToString(goMode),
            Owner = names.User(status.Uid),
            Group = names.Group(status.Gid),
            ModifiedTime = Timestamp.FromDateTimeOffset(status.ModifiedTime),
        };
        if (status.IsSymlink)
        {
            entry.SymlinkTarget = target ?? path;
        }

        entry.Metadata.Add(FileMetadata.Read(path));
        return entry;
    }

    /// <summary>Where a symlink finally points, as an absolute path; null when it dangles or loops.</summary>
    private static string? ResolveLink(string path)
    {
        try
        {
            var final = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true);
            return final is not null && (File.Exists(final.FullName) || Directory.Exists(final.FullName)) ? final.FullName : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
