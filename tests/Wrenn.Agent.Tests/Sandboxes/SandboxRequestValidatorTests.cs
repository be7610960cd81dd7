using Microsoft.Extensions.Options;
using Wrenn.Agent.Sandboxes;

namespace Wrenn.Agent.Tests.Sandboxes;

public sealed class SandboxRequestValidatorTests
{
    private readonly SandboxRequestValidator _validator = new(Options.Create(new SandboxManagerOptions()));

    private static CreateSandboxSpec Spec(string id = "sb-0123456789abcdef", string template = "minimal", uint vcpus = 1, uint memory = 512, Dictionary<string, string>? env = null) =>
        new(id, template, vcpus, memory, 0, env ?? []);

    [Fact]
    public void Accepts_a_plain_request() => _validator.ValidateCreate(Spec());

    [Theory]
    [InlineData("sb-../../../etc")]
    [InlineData("sandbox")]
    [InlineData("")]
    public void Rejects_ids_that_are_not_sandbox_ids(string id) =>
        Assert.Throws<ArgumentException>(() => _validator.ValidateCreate(Spec(id: id)));

    [Theory]
    [InlineData("../minimal")]
    [InlineData("minimal/../../x")]
    [InlineData("")]
    public void Rejects_template_names_that_could_escape_the_images_directory(string template) =>
        Assert.Throws<ArgumentException>(() => _validator.ValidateCreate(Spec(template: template)));

    [Fact]
    public void Rejects_out_of_range_resources()
    {
        Assert.Throws<ArgumentException>(() => _validator.ValidateCreate(Spec(vcpus: 0)));
        Assert.Throws<ArgumentException>(() => _validator.ValidateCreate(Spec(vcpus: 65)));
        Assert.Throws<ArgumentException>(() => _validator.ValidateCreate(Spec(memory: 1)));
    }

    [Theory]
    [InlineData("1ABC")]
    [InlineData("A=B")]
    [InlineData("")]
    [InlineData("PATH\n")]
    public void Rejects_environment_names_a_shell_would_not_accept(string name) =>
        Assert.Throws<ArgumentException>(() => _validator.ValidateCreate(Spec(env: new() { [name] = "x" })));

    [Fact]
    public void Exec_needs_a_command()
    {
        var spec = new ExecSpec("sb-0123456789abcdef", " ", [], new Dictionary<string, string>(), null, null, null);
        var error = Assert.Throws<ArgumentException>(() => _validator.ValidateExec(spec));
        Assert.Contains("cmd", error.Message, StringComparison.Ordinal);
    }
}
