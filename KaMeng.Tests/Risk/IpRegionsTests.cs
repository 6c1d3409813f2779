using KaMeng.Web.Features.Risk;

namespace KaMeng.Tests.Risk;

/// <summary>The shipped offline table (ip-regions.csv): reserved ranges and province ranges, looked up by binary search.</summary>
public sealed class IpRegionsTests
{
    static readonly IpRegions Shipped = IpRegions.Load(Path.Combine(AppContext.BaseDirectory, "Features", "Risk", "ip-regions.csv"));

    [Theory]
    [InlineData("1.0.1.1", "福建")]
    [InlineData("1.0.8.1", "广东")]
    [InlineData("1.0.15.255", "广东")]
    [InlineData("10.3.4.5", "内网")]
    [InlineData("::ffff:1.0.8.1", "广东")]
    public void The_shipped_table_names_the_province_of_a_chinese_address_and_the_kind_of_a_reserved_one(string ip, string region) =>
        Assert.Equal(region, Shipped.RegionOf(ip));

    [Theory]
    [InlineData("1.0.4.1")]       // outside China
    [InlineData("2001:db8::1")]   // IPv6 is not in the table
    [InlineData("not an address")]
    public void An_address_outside_the_table_has_no_region(string ip) => Assert.Null(Shipped.RegionOf(ip));

    [Fact]
    public void The_shipped_table_covers_every_province() =>
        Assert.All(new[] { "北京", "上海", "广东", "新疆", "西藏", "香港" },
            province => Assert.Contains(File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Features", "Risk", "ip-regions.csv")), l => l.EndsWith("," + province)));

    [Fact]
    public void Overlapping_or_malformed_ranges_are_refused()
    {
        Assert.Throws<FormatException>(() => new IpRegions(["1.0.0.0,1.0.0.255,广东", "1.0.0.128,1.0.1.0,福建"]));
        Assert.Throws<FormatException>(() => new IpRegions(["1.0.0.9,1.0.0.1,广东"]));
        Assert.Throws<FormatException>(() => new IpRegions(["1.0.0.0,1.0.0.255"]));
    }
}
