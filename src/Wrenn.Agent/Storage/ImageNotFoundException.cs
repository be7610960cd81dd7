namespace Wrenn.Agent.Storage;

/// <summary>No built image or template of that name on this host.</summary>
public sealed class ImageNotFoundException(string imageName, string imageDirectory)
    : Exception($"image or template '{imageName}' is not on this host (looked in {imageDirectory}); build it with 'wrenn image build {imageName}'")
{
    public string ImageName { get; } = imageName;
}
