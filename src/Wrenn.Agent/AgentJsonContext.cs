using System.Text.Json.Serialization;
using Wrenn.Agent.Sandboxes;

namespace Wrenn.Agent;

/// <summary>Source-generated JSON for the files the agent writes about itself.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(SandboxRecord))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(Storage.TemplateManifest))]
[JsonSerializable(typeof(Runtimes.Vm.VmBoot))]
[JsonSerializable(typeof(Storage.Cow.RootfsCow))]
internal sealed partial class AgentJsonContext : JsonSerializerContext;
