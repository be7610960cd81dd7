namespace Wrenn.Sdk;

/// <summary>A team and your role in it.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Role">owner or member.</param>
/// <param name="CreatedAt">When it was made.</param>
public sealed record TeamInfo(string Id, string Name, string Role, DateTime CreatedAt);
