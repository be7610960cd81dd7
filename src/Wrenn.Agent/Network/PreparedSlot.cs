using System.Net;

namespace Wrenn.Agent.Network;

/// <summary>A slot made ahead of any sandbox, with the nameservers its firewall lets it reach.</summary>
public sealed record PreparedSlot(SlotAddresses Slot, IReadOnlyList<IPAddress> Nameservers);
