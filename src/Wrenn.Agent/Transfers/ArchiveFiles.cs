using System.Security.Cryptography;

namespace Wrenn.Agent.Transfers;

/// <summary>
/// What template and sandbox transfers share: the tar options that keep an overlay layer intact, and
/// writing or hashing an archive file.
/// </summary>
internal static class ArchiveFiles
{
    /// <summary>Owners by number (hosts may name users differently), xattrs (overlay's opaque markers), holes kept.</summary>
    public static readonly string[] TarOptions = ["--numeric-owner", "--xattrs", "--xattrs-include=*", "--sparse"];

    /// <summary>Writes the incoming archive to <paramref name="path"/>, hashing it on the way; stops reading past <paramref name="limit"/> bytes.</summary>
    public static async Task<(long Bytes, string Sha256)> ReceiveAsync(Stream content, string path, long limit, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long total = 0;
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, useAsync: true))
        {
            while (await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) is var read and > 0)
            {
                total += read;
                if (total > limit)
                {
                    // More than the header promised: it cannot match, and a sender must not fill the disk.
                    break;
                }

                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        return (total, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>The file's size and SHA-256 (lower-case hex), taken before anything is sent so the header can carry them.</summary>
    public static async Task<(long Bytes, string Sha256)> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        var digest = await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false);
        return (file.Length, Convert.ToHexStringLower(digest));
    }
}
