using System.Text.Json.Nodes;

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

    /// <summary>More images under one disk than templates of templates would ever make: a loop, or a crafted header.</summary>
    private const int MaxDepth = 64;

    public readonly record struct Layer(string Path, string Format);

    /// <summary>
    /// Reads the chain under <paramref name="disk"/> from the qcow2 headers themselves
    /// (<see cref="Qcow2BackingFile"/>), not with qemu-img: the disk is open read-write in a QEMU the
    /// guest may have taken over, so its header is untrusted. Every file under the disk must lie in
    /// one of <paramref name="allowedRoots"/> (images, templates, snapshots) before it is opened at all:
    /// a header rewritten to name a host file is refused. A file that is not qcow2 is the raw image at
    /// the bottom (never written by any guest).
    /// </summary>
    public static QemuDiskChain Read(string disk, IReadOnlyList<string> allowedRoots)
    {
        List<Layer> layers = [new(System.IO.Path.GetFullPath(disk), "qcow2")];
        var backing = Qcow2BackingFile.Read(disk);
        while (backing is not null)
        {
            if (layers.Count > MaxDepth)
            {
                throw new InvalidOperationException($"{disk} stands on more than {MaxDepth} images");
            }

            EnsureAllowed(backing, disk, allowedRoots);
            var isQcow2 = Qcow2BackingFile.IsQcow2(backing);
            layers.Add(new Layer(backing, isQcow2 ? "qcow2" : "raw"));
            backing = isQcow2 ? Qcow2BackingFile.Read(backing) : null;
        }

        return new QemuDiskChain(layers);
    }

    /// <summary>Throws unless <paramref name="path"/> (under <paramref name="disk"/>) lies in one of <paramref name="allowedRoots"/>.</summary>
    public static void EnsureAllowed(string path, string disk, IReadOnlyList<string> allowedRoots)
    {
        if (!allowedRoots.Any(root => path.StartsWith(System.IO.Path.GetFullPath(root).TrimEnd('/') + "/", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"{disk} stands on {path}, which is outside the images, templates and snapshots; refusing to open it");
        }
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
