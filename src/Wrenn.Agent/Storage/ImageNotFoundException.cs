namespace Wrenn.Agent.Storage;

/// <summary>
/// No built image or template of that name on this host. The message reaches API callers (a 404), so
/// it names the image but not the host directory looked in (<see cref="ImageDirectory"/>, for logs).
/// </summary>
public sealed class ImageNotFoundException(string imageName, string imageDirectory)
    : Exception($"image or template '{imageName}' is not on this host; build it with 'wrenn image build {imageName}'")
{
    public string ImageName { get; } = imageName;

    public string ImageDirectory { get; } = imageDirectory;
}
