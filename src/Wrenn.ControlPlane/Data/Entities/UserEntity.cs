namespace Wrenn.ControlPlane.Data.Entities;

/// <summary>A person who can sign in. Table users.</summary>
public sealed class UserEntity
{
    public required string Id { get; set; }

    /// <summary>Lower-cased; unique.</summary>
    public required string Email { get; set; }

    /// <summary>A slow, salted hash (ASP.NET Core Identity's PBKDF2 format); never the password.</summary>
    public required string PasswordHash { get; set; }

    public bool IsAdmin { get; set; }

    public DateTime CreatedAt { get; set; }
}
