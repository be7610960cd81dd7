using System.Security.Cryptography;
using Wrenn.Envd.Filesystem;
using Wrenn.Envd.Process;

namespace Wrenn.Envd.Http;

/// <summary>
/// Where an upload's bytes go until all of them are there: a hidden file beside the target, renamed over
/// it by <see cref="Commit"/>, so an upload cut off half-way (the caller hung up, its control plane died,
/// the disk filled) leaves the target as it was, never truncated or half-written. The rename is used only
/// where it changes nothing else a reader sees: the target is missing, or is a regular file of this user
/// with one name (its mode is kept). A symlink, another user's file, a file with more hard links, or a
/// directory the user may not create files in is written in place, as before.
/// Nothing is acknowledged before it is on disk: <see cref="Commit"/> fsyncs the bytes before the rename and
/// the directory after it. Without that, a write the page cache took was answered 200 even where the disk
/// could not take it later: a sandbox disk that is a sparse file on a full host gets ENOSPC only at
/// writeback, and the upload was lost after it had been acknowledged.
/// </summary>
public sealed class UploadFile : IAsyncDisposable
{
    private readonly UserAccount _user;
    private readonly string? _temporary;
    private bool _committed;

    private UploadFile(FileStream stream, string path, string? temporary, UserAccount user)
    {
        Stream = stream;
        Path = path;
        _temporary = temporary;
        _user = user;
    }

    /// <summary>What the bytes are written to.</summary>
    public FileStream Stream { get; }

    /// <summary>The target the upload names.</summary>
    public string Path { get; }

    /// <summary>Whether the bytes go to a file beside the target (false: straight into it).</summary>
    public bool ReplacesAtCommit => _temporary is not null;

    /// <summary>
    /// Opens the upload's file with the user's file-system identity; parents are made first. Throws
    /// <see cref="UnauthorizedAccessException"/> when the user may not write the target.
    /// </summary>
    public static UploadFile Open(string path, UserAccount user, int bufferBytes) => UserFileIdentity.Run(user, () =>
    {
        if (Directory.Exists(path))
        {
            throw new TargetIsDirectoryException(path);
        }

        var directory = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var existing = FileStatus.TryRead(path);
        var replaceable = existing is null || (existing.IsRegularFile && existing.Uid == user.Uid && existing.Links == 1);
        if (replaceable)
        {
            var temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(path)}.upload-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}");
            try
            {
                var stream = new FileStream(temporary, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    Share = FileShare.None,
                    BufferSize = bufferBytes,
                    Options = FileOptions.Asynchronous,
                    UnixCreateMode = existing is null ? null : (UnixFileMode)(existing.Mode & 0xFFF),
                });
                if (existing is not null)
                {
                    // The create mode passes through the umask; the file being replaced keeps its own bits.
                    File.SetUnixFileMode(stream.SafeFileHandle, (UnixFileMode)(existing.Mode & 0xFFF));
                }

                return new UploadFile(stream, path, temporary, user);
            }
            catch (UnauthorizedAccessException)
            {
                // The directory is not the user's to add names to, though the file may be theirs to write.
            }
        }

        return new UploadFile(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferBytes, useAsync: true), path, null, user);
    });

    /// <summary>
    /// Puts the written bytes at <see cref="Path"/>, durably; call after the last byte is written. Throws an
    /// <see cref="IOException"/> (ENOSPC when the disk under the file is full) if the bytes or the new name
    /// could not be written back; the target is then as it was (written in place: as far as it got).
    /// </summary>
    public void Commit()
    {
        // fsync: the error a failed writeback leaves on the file comes back here, not to nobody.
        Stream.Flush();
        DiskSync.File(Stream.SafeFileHandle, Path);
        if (_temporary is not null)
        {
            UserFileIdentity.Run(_user, () => PosixRename.Rename(_temporary, Path));

            // The rename itself is durable only with its directory.
            DiskSync.Directory(System.IO.Path.GetDirectoryName(Path)!);
        }

        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync().ConfigureAwait(false);
        if (_temporary is not null && !_committed)
        {
            UserFileIdentity.Run(_user, () => File.Delete(_temporary));
        }
    }
}
