using System.Text.Json.Serialization;

namespace Wrenn.Agent.Registration;

[JsonSerializable(typeof(HostCredentials))]
[JsonSerializable(typeof(RegisterRequestMessage))]
[JsonSerializable(typeof(RegisterResponseMessage))]
[JsonSerializable(typeof(HeartbeatRequestMessage))]
[JsonSerializable(typeof(HeartbeatResponseMessage))]
[JsonSerializable(typeof(HeartbeatPoolLaneMessage))]
internal sealed partial class RegistrationJsonContext : JsonSerializerContext;
