using System.Buffers.Binary;
using Wrenn.Cli.Processes;

namespace Wrenn.Cli.Images;

/// <summary>
/// Firecracker boots only an uncompressed ELF kernel, and Debian packages a bzImage. A bzImage's setup
/// header says where its compressed payload is (boot protocol 2.08+); the payload's magic says which
/// decompressor made it (Debian's cloud kernel: LZ4, legacy frame). The result must be an x86-64 ELF.
/// </summary>
public static class VmlinuxExtractor
{
    private static readonly (string Name, byte[] Magic, string Command)[] Formats =
    [
        ("gzip", [0x1f, 0x8b], "gzip -dc"),
        ("xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], "xz -dc"),
        ("zstd", [0x28, 0xb5, 0x2f, 0xfd], "zstd -dcq"),
        ("lz4", [0x02, 0x21, 0x4c, 0x18], "lz4 -dc"),
        ("bzip2", [0x42, 0x5a, 0x68], "bzip2 -dc"),
        ("lzma", [0x5d, 0x00, 0x00], "xz --format=lzma -dc"),
    ];

    /// <summary>Writes the ELF kernel inside <paramref name="bzImage"/> to <paramref name="output"/>; returns the compression it had.</summary>
    public static async Task<string> ExtractAsync(string bzImage, string output, CancellationToken cancellationToken)
    {
        var image = await File.ReadAllBytesAsync(bzImage, cancellationToken).ConfigureAwait(false);
        var payload = Payload(image, bzImage);
        var format = Formats.FirstOrDefault(f => payload.AsSpan().StartsWith(f.Magic));
        if (format.Name is null)
        {
            throw new InvalidDataException($"{bzImage}: unknown compression (payload starts {Convert.ToHexString(payload.AsSpan(0, Math.Min(8, payload.Length)))})");
        }

        var compressed = output + ".payload";
        try
        {
            await File.WriteAllBytesAsync(compressed, payload, cancellationToken).ConfigureAwait(false);
            // The payload ends with the uncompressed size (4 bytes), which some decompressors report as
            // trailing garbage and exit non-zero for; the ELF check below is what decides.
            await StreamingProcess.RunAsync("/bin/sh", ["-c", format.Command + " <\"$0\" >\"$1\"", compressed, output], _ => { }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(compressed);
        }

        RequireX8664Elf(output, bzImage, format.Name);
        return format.Name;
    }

    private static byte[] Payload(byte[] image, string path)
    {
        // Setup header: "HdrS" at 0x202, protocol version at 0x206, setup_sects at 0x1f1, and (2.08+)
        // payload_offset/payload_length at 0x248/0x24c, counted from the protected-mode code.
        if (image.Length < 0x250 || BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(0x202)) != 0x53726448)
        {
            throw new InvalidDataException($"{path} is not a bzImage (no HdrS setup header)");
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(0x206)) < 0x0208)
        {
            throw new InvalidDataException($"{path}: boot protocol older than 2.08 names no payload");
        }

        var setupSectors = image[0x1f1] == 0 ? 4 : image[0x1f1];
        var start = (long)(setupSectors + 1) * 512 + BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(0x248));
        var length = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(0x24c));
        if (length == 0 || start + length > image.Length)
        {
            throw new InvalidDataException($"{path}: payload {start}+{length} lies outside the file ({image.Length} bytes)");
        }

        return image[(int)start..(int)(start + length)];
    }

    private static void RequireX8664Elf(string output, string source, string format)
    {
        Span<byte> header = stackalloc byte[20];
        using (var file = File.OpenRead(output))
        {
            if (file.Read(header) < header.Length)
            {
                throw new InvalidDataException($"{source}: the {format} payload did not decompress to a kernel");
            }
        }

        if (!header[..4].SequenceEqual("\u007fELF"u8) || BinaryPrimitives.ReadUInt16LittleEndian(header[18..]) != 0x3e)
        {
            File.Delete(output);
            throw new InvalidDataException($"{source}: the {format} payload is not an x86-64 ELF kernel");
        }
    }
}
