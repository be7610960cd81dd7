using Microsoft.AspNetCore.Identity;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Auth;

/// <summary>
/// Checks a login's password. For an address with no account it verifies against a dummy hash made
/// at start, so an unknown address costs the same PBKDF2 work as a wrong password and the time taken
/// does not tell a guesser which addresses have accounts.
/// </summary>
public sealed class PasswordCheck
{
    private static readonly UserEntity Nobody = new() { Id = "user-0000000000000000", Email = "nobody@wrenn.invalid", PasswordHash = string.Empty };

    private readonly IPasswordHasher<UserEntity> _hasher;

    public PasswordCheck(IPasswordHasher<UserEntity> hasher)
    {
        _hasher = hasher;
        DummyHash = hasher.HashPassword(Nobody, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
    }

    /// <summary>What unknown addresses are verified against (the same format and work factor as real hashes).</summary>
    public string DummyHash { get; }

    /// <summary>True only when <paramref name="user"/> exists and <paramref name="password"/> is its password; always does one verification.</summary>
    public bool Verify(UserEntity? user, string? password)
    {
        var result = _hasher.VerifyHashedPassword(user ?? Nobody, user?.PasswordHash ?? DummyHash, password ?? string.Empty);
        return user is not null && password is not null && result != PasswordVerificationResult.Failed;
    }
}
