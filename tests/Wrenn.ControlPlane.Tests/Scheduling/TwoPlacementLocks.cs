using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Scheduling;

namespace Wrenn.ControlPlane.Tests.Scheduling;

/// <summary>Two replicas' placement locks on one throwaway PostgreSQL server, each with a database context of its own.</summary>
internal sealed record TwoPlacementLocks(ThrowawayPostgres Server, PlacementLock First, WrennDbContext FirstDb, PlacementLock Second, WrennDbContext SecondDb);
