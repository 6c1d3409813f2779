using System.Buffers.Binary;
using System.Net;

namespace KaMeng.Web.Features.Risk;

/// <summary>
/// The offline IP-to-region table (issue 21 §1): IPv4 ranges from a CSV (start,end,region), looked up by binary search.
/// The repository ships <c>ip-regions.csv</c> (reserved ranges and province ranges; see its header for origin and licence);
/// <c>KaMeng:Risk:IpRegionFile</c> names a fuller table in the same format.
/// </summary>
public sealed class IpRegions
{
    readonly uint[] starts;
    readonly uint[] ends;
    readonly string[] regions;

    public IpRegions(IEnumerable<string> lines)
    {
        var rows = new List<(uint Start, uint End, string Region)>();
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split(',', 3, StringSplitOptions.TrimEntries);
            if (parts.Length != 3 || !TryV4(parts[0], out var start) || !TryV4(parts[1], out var end) || end < start || parts[2].Length == 0)
                throw new FormatException($"IP region table: bad line \"{line}\"");
            rows.Add((start, end, parts[2]));
        }
        rows.Sort((a, b) => a.Start.CompareTo(b.Start));
        // The lookup is a binary search over starts: two ranges that overlap would make the answer depend on the order.
        for (var i = 1; i < rows.Count; i++)
            if (rows[i].Start <= rows[i - 1].End)
                throw new FormatException($"IP region table: overlapping ranges at {new IPAddress(BinaryPrimitives.ReverseEndianness(rows[i].Start))} ({rows[i - 1].Region} / {rows[i].Region})");
        starts = [.. rows.Select(r => r.Start)];
        ends = [.. rows.Select(r => r.End)];
        regions = [.. rows.Select(r => r.Region)];
    }

    public static IpRegions Load(string path) => new(File.ReadLines(path));

    /// <summary>The region of an IPv4 address, or null (unknown, or IPv6).</summary>
    public string? RegionOf(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) return null;
        var value = BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
        var i = Array.BinarySearch(starts, value);
        if (i < 0) i = ~i - 1;
        return i >= 0 && value <= ends[i] ? regions[i] : null;
    }

    public string? RegionOf(string? ip) => ip is not null && IPAddress.TryParse(ip, out var a) ? RegionOf(a) : null;

    static bool TryV4(string text, out uint value)
    {
        value = 0;
        if (!IPAddress.TryParse(text, out var a) || a.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) return false;
        value = BinaryPrimitives.ReadUInt32BigEndian(a.GetAddressBytes());
        return true;
    }
}
