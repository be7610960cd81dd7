using System.Text.Json;
using System.Text.Json.Nodes;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>
/// A sandbox's disk and every image under it (template disks, a base snapshot's disk, the image's
/// ext4), as QEMU gets them when it may not open host paths itself: each file on its own descriptor
/// (the disk read-write, the rest read-only) and one <c>-blockdev</c> that names the whole chain
/// through fd sets, so the backing names in the qcow2 headers are never opened by QEMU.
/// </summary>
public sealed record QemuDiskChain(IReadOnlyList<QemuDiskChain.Layer> Layers)
{
    /// <summary>The node the virtio-blk device uses.</summary>
    public const string NodeName = "root";

    public readonly record struct Layer(string Path, string Format);

    /// <summary>Reads the chain with <c>qemu-img info --backing-chain</c> (as root, which may open every file).</summary>
    public static async Task<QemuDiskChain> ReadAsync(ICommandRunner commands, string disk, CancellationToken cancellationToken)
    {
        var info = await commands.RunCheckedAsync("qemu-img", ["info", "--backing-chain", "--output=json", "-f", "qcow2", disk], cancellationToken).ConfigureAwait(false);
        using var json = JsonDocument.Parse(info.StandardOutput);
        var layers = new List<Layer>();
        foreach (var image in json.RootElement.EnumerateArray())
        {
            var path = layers.Count == 0 ? disk : image.GetProperty("filename").GetString()!;
            layers.Add(new Layer(System.IO.Path.GetFullPath(path), image.GetProperty("format").GetString()!));
        }

        return new QemuDiskChain(layers);
    }

    /// <summary>What the root shell opens: the disk read-write on <see cref="QemuLaunch.FirstDiskFd"/>, each backing file read-only after it.</summary>
    public IEnumerable<QemuLaunch.OpenFile> Files() =>
        Layers.Select((layer, i) => new QemuLaunch.OpenFile(QemuLaunch.FirstDiskFd + i, i == 0 ? "<>" : "<", layer.Path));

    /// <summary>QEMU's arguments: an fd set per file and the chain as one nested <c>-blockdev</c>.</summary>
    public IEnumerable<string> Arguments()
    {
        JsonNode? backing = null;
        for (var i = Layers.Count - 1; i >= 0; i--)
        {
            var node = new JsonObject
            {
                ["driver"] = Layers[i].Format,
                ["file"] = new JsonObject { ["driver"] = "file", ["filename"] = QemuLaunch.FdSetPath(QemuLaunch.FirstDiskFd + i) },
            };
            if (Layers[i].Format != "raw")
            {
                // null: the bottom qcow2 has no backing file, whatever its header says.
                node["backing"] = backing;
            }

            if (i > 0)
            {
                node["read-only"] = true;
            }

            backing = node;
        }

        backing!["node-name"] = NodeName;
        return Layers.SelectMany((_, i) => QemuLaunch.FdSet(QemuLaunch.FirstDiskFd + i)).Append("-blockdev").Append(backing.ToJsonString());
    }
}
