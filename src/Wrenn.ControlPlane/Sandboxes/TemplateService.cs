namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>A team's templates: made from sandboxes, listed, deleted.</summary>
public sealed class TemplateService(TemplateCreator creator, TemplateRemover remover, SandboxLookup lookup)
{
    public Task<SandboxResult<TemplateDetails>> CreateAsync(SandboxCaller caller, CreateTemplateCommand command, CancellationToken cancellationToken) =>
        creator.CreateAsync(caller, command, cancellationToken);

    public async Task<SandboxResult<IReadOnlyList<TemplateDetails>>> ListAsync(SandboxCaller caller, CancellationToken cancellationToken)
    {
        var templates = await lookup.ListTemplatesAsync(caller.TeamId, cancellationToken).ConfigureAwait(false);
        return SandboxResult<IReadOnlyList<TemplateDetails>>.Ok([.. templates.Select(SandboxViews.ToDetails)]);
    }

    public Task<SandboxResult<TemplateDetails>> DeleteAsync(SandboxCaller caller, string name, CancellationToken cancellationToken) =>
        remover.DeleteAsync(caller, name, cancellationToken);
}
