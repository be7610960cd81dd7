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

    public static EntryInfo Create(string path, FileStatus status, AccountNames names)
    {
        var goMode = GoFileMode.FromUnixMode(status.Mode);
        var entry = new EntryInfo
        {
            Name = path == "/" ? "/" : Path.GetFileName(path.TrimEnd('/')),
            Type = status.IsDirectory ? FileType.Directory : status.IsSymlink ? FileType.Symlink : status.IsRegularFile ? FileType.File : FileType.Unspecified,
            Path = path,
            Size = status.Size,
            Mode = goMode & 0x1FF,
            Permissions = GoFileMode.ToString(goMode),
            Owner = names.User(status.Uid),
            Group = names.Group(status.Gid),
            ModifiedTime = Timestamp.FromDateTimeOffset(status.ModifiedTime),
        };
        if (status.IsSymlink)
        {
            entry.SymlinkTarget = ResolveLink(path);
        }

        return entry;
    }

    /// <summary>Where a symlink finally points, as an absolute path; the raw target when it dangles.</summary>
    private static string ResolveLink(string path)
    {
        try
        {
            var info = new FileInfo(path);
            var final = info.ResolveLinkTarget(returnFinalTarget: true);
            if (final is not null)
            {
                return final.FullName;
            }

            return info.LinkTarget ?? string.Empty;
        }
        catch (IOException)
        {
            return new FileInfo(path).LinkTarget ?? string.Empty;
        }
    }
}
