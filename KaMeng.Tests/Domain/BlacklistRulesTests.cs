using KaMeng.Domain;

namespace KaMeng.Tests.Domain;

/// <summary>Blacklist entries (issue 21 §4): each kind matches exactly what it names, networks are bounded, expiry is honoured,
/// bad input is refused in Chinese.</summary>
public class BlacklistRulesTests
{
    static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    static BlacklistEntry Entry(BlacklistKind kind, string value, DateTimeOffset? expires = null)
    {
        var (normalised, error) = BlacklistRules.Validate(kind, value, "测试", expires, Now.AddSeconds(-1));
        Assert.Null(error);
        return new BlacklistEntry { Kind = kind, Value = normalised!, Reason = "测试", ExpiresAt = expires };
    }

    static bool Blocks(BlacklistEntry e, BlacklistSubject s) => BlacklistRules.Matches(e, s, Now);

    [Fact]
    public void An_ip_entry_matches_that_address_only()
    {
        var e = Entry(BlacklistKind.Ip, " 203.0.113.7 ");
        Assert.Equal("203.0.113.7", e.Value);
        Assert.True(Blocks(e, new(Ip: "203.0.113.7")));
        Assert.True(Blocks(e, new(Ip: "::ffff:203.0.113.7")));
        Assert.False(Blocks(e, new(Ip: "203.0.113.8")));
        Assert.False(Blocks(e, new(Ip: null)));
        Assert.False(Blocks(e, new(UserId: "203.0.113.7", Contact: "203.0.113.7")));
        var v6 = Entry(BlacklistKind.Ip, "2001:DB8:0:0::1");
        Assert.Equal("2001:db8::1", v6.Value);
        Assert.True(Blocks(v6, new(Ip: "2001:db8::1")));
        Assert.False(Blocks(v6, new(Ip: "2001:db8::2")));
    }

    [Theory]
    [InlineData("203.0.113.0/24", "203.0.113.0", true)]
    [InlineData("203.0.113.0/24", "203.0.113.255", true)]
    [InlineData("203.0.113.0/24", "203.0.114.0", false)]
    [InlineData("203.0.113.0/24", "203.0.112.255", false)]
    [InlineData("10.0.0.0/8", "10.255.255.255", true)]
    [InlineData("10.0.0.0/8", "11.0.0.0", false)]
    [InlineData("203.0.113.9/32", "203.0.113.9", true)]
    [InlineData("203.0.113.9/32", "203.0.113.10", false)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("2001:db8:1::/48", "2001:db8:1:2::3", true)]
    [InlineData("2001:db8:1::/48", "2001:db8:2::3", false)]
    [InlineData("203.0.113.0/24", "::ffff:203.0.113.5", true)]
    [InlineData("203.0.113.0/24", "2001:db8::1", false)]
    public void A_network_matches_the_addresses_inside_it(string network, string ip, bool blocked) =>
        Assert.Equal(blocked, Blocks(Entry(BlacklistKind.Cidr, network), new(Ip: ip)));

    [Fact]
    public void A_network_is_kept_as_its_own_address()
    {
        Assert.Equal("203.0.113.0/24", Entry(BlacklistKind.Cidr, "203.0.113.77/24").Value);
        Assert.Equal("2001:db8::/32", Entry(BlacklistKind.Cidr, "2001:db8:abcd::1/32").Value);
    }

    [Theory]
    [InlineData("10.0.0.0/7")]
    [InlineData("0.0.0.0/0")]
    [InlineData("2001:db8::/31")]
    [InlineData("::/0")]
    public void A_network_wider_than_slash_8_or_slash_32_is_refused(string network)
    {
        var (value, error) = BlacklistRules.Validate(BlacklistKind.Cidr, network, "太宽", null, Now);
        Assert.Null(value);
        Assert.Equal("IP 段范围过大：IPv4 最宽 /8，IPv6 最宽 /32", error);
    }

    [Theory]
    [InlineData(BlacklistKind.Cidr, "203.0.113.0/33")]
    [InlineData(BlacklistKind.Cidr, "203.0.113.0")]
    [InlineData(BlacklistKind.Cidr, "abc/24")]
    [InlineData(BlacklistKind.Cidr, "203.0.113.0/-1")]
    [InlineData(BlacklistKind.Ip, "203.0.113")]
    [InlineData(BlacklistKind.Ip, "203.0.113.0/24")]
    [InlineData(BlacklistKind.Ip, "example.com")]
    [InlineData(BlacklistKind.EmailDomain, "localhost")]
    [InlineData(BlacklistKind.EmailDomain, "bad domain.com")]
    [InlineData(BlacklistKind.Device, "short")]
    [InlineData(BlacklistKind.Device, "not a device id!")]
    public void Malformed_values_are_refused_in_chinese(BlacklistKind kind, string value)
    {
        var (normalised, error) = BlacklistRules.Validate(kind, value, "原因", null, Now);
        Assert.Null(normalised);
        Assert.NotNull(error);
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void An_entry_without_a_reason_is_refused(string? reason) =>
        Assert.Equal<(string?, string?)>((null, "请填写拉黑原因"), BlacklistRules.Validate(BlacklistKind.Ip, "203.0.113.7", reason, null, Now));

    [Fact]
    public void Other_bad_input_is_refused()
    {
        Assert.Equal("原因最多 200 字", BlacklistRules.Validate(BlacklistKind.Ip, "203.0.113.7", new string('因', 201), null, Now).Error);
        Assert.Equal("到期时间必须晚于现在", BlacklistRules.Validate(BlacklistKind.Ip, "203.0.113.7", "原因", Now, Now).Error);
        Assert.Equal("请填写要拉黑的IP", BlacklistRules.Validate(BlacklistKind.Ip, "  ", "原因", null, Now).Error);
        Assert.Equal("请选择黑名单类型", BlacklistRules.Validate((BlacklistKind)99, "x", "原因", null, Now).Error);
    }

    [Fact]
    public void An_email_domain_matches_the_domain_and_its_subdomains_on_the_contact_or_the_account_email()
    {
        var e = Entry(BlacklistKind.EmailDomain, "@Spam.Example");
        Assert.Equal("spam.example", e.Value);
        Assert.True(Blocks(e, new(Email: "a@spam.example")));
        Assert.True(Blocks(e, new(Email: "A@SPAM.EXAMPLE")));
        Assert.True(Blocks(e, new(Contact: "x@mail.spam.example")));
        Assert.False(Blocks(e, new(Email: "a@notspam.example")));
        Assert.False(Blocks(e, new(Email: "spam.example@ok.example")));
        Assert.False(Blocks(e, new(Contact: "13800000000")));
        Assert.False(Blocks(e, new(Email: "spam.example")));
    }

    [Fact]
    public void A_contact_matches_the_same_contact_whatever_its_case_or_spaces()
    {
        var e = Entry(BlacklistKind.Contact, " Buyer@QQ.com ");
        Assert.True(Blocks(e, new(Contact: "buyer@qq.com")));
        Assert.True(Blocks(e, new(Email: "BUYER@qq.com ")));
        Assert.False(Blocks(e, new(Contact: "buyer2@qq.com")));
        var qq = Entry(BlacklistKind.Contact, "123456");
        Assert.True(Blocks(qq, new(Contact: "123456")));
        Assert.False(Blocks(qq, new(Contact: "1234567")));
    }

    [Fact]
    public void A_device_and_a_user_match_themselves_only()
    {
        var device = Entry(BlacklistKind.Device, "0a1b2c3d4e5f60718293a4b5c6d7e8f9");
        Assert.True(Blocks(device, new(DeviceId: "0A1B2C3D4E5F60718293A4B5C6D7E8F9")));
        Assert.False(Blocks(device, new(DeviceId: "0A1B2C3D4E5F60718293A4B5C6D7E8F8")));
        Assert.False(Blocks(device, new(UserId: "0A1B2C3D4E5F60718293A4B5C6D7E8F9")));
        var user = new BlacklistEntry { Kind = BlacklistKind.User, Value = "user-1", Reason = "测试" };
        Assert.True(Blocks(user, new(UserId: "user-1")));
        Assert.False(Blocks(user, new(UserId: "user-2")));
        Assert.False(Blocks(user, new(Contact: "user-1", DeviceId: "user-1")));
    }

    [Fact]
    public void An_expired_entry_blocks_nothing()
    {
        var e = new BlacklistEntry { Kind = BlacklistKind.Ip, Value = "203.0.113.7", Reason = "测试", ExpiresAt = Now.AddMinutes(1) };
        Assert.True(BlacklistRules.Matches(e, new(Ip: "203.0.113.7"), Now));
        Assert.False(BlacklistRules.Matches(e, new(Ip: "203.0.113.7"), Now.AddMinutes(1)));
        Assert.False(BlacklistRules.Matches(e, new(Ip: "203.0.113.7"), Now.AddDays(1)));
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.*")]
    [InlineData("203.0.113.0/24", "203.0.113.*/24")]
    [InlineData("2001:db8::1", "2001:db8::*")]
    [InlineData("2001:db8:1::/48", "2001:db8::*/48")]
    public void Owners_see_addresses_masked(string value, string masked) => Assert.Equal(masked, BlacklistRules.MaskIp(value));
}
