using System.Security.Cryptography;
using Google.Protobuf;

namespace Wrenn.Common.Security;

/// <summary>
/// The contract of the token the control plane puts on every call to a host agent: an HMAC-SHA256 JWT
/// signed with the host's agent secret, audience the host id, valid for at most <see cref="MaxLifetime"/>,
/// with a unique id (jti, which the agent accepts once), the gRPC method it is for and, for calls with
/// one request message (unary and server streaming), the SHA-256 of that message's bytes.
/// </summary>
public static class AgentCallClaims
{
    public const string Issuer = "wrenn-cp";

    /// <summary>The full gRPC method, e.g. /hostagent.v1.HostAgent/Exec.</summary>
    public const string Method = "wrenn:mth";

    /// <summary>base64url SHA-256 of the request message's protobuf bytes.</summary>
    public const string RequestHash = "wrenn:rqh";

    /// <summary>What the control plane gives a token.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    /// <summary>The longest life (expiry minus issue time) an agent accepts.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromSeconds(60);

    /// <summary>Clock difference between control plane and agent that is tolerated.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The request's hash as both sides compute it. The agent hashes the message it parsed, serialized
    /// again: protobuf's C# serializer writes fields in number order and maps in the order they came,
    /// and keeps unknown fields, so the bytes are the ones the control plane hashed.
    /// </summary>
    public static string HashOf(IMessage request) =>
        Base64UrlEncode(SHA256.HashData(request.ToByteArray()));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
