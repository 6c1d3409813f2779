using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Risk;
using KaMeng.Web.Features.Risk.Blacklists;
using KaMeng.Web.Features.Substations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace KaMeng.Tests.Risk;

/// <summary>Blacklists through the services on both providers (issue 21 §4): bad input writes nothing, the gate blocks what
/// the lists name where they apply and until they expire, opening a substation and withdrawing are refused with the neutral
/// message, and signals are recorded and purged after 30 days.</summary>
public class BlacklistServiceTests
{
    static readonly AuditActor Platform = new("platform-admin", "平台管理员", null);

    static Task<CommerceHarness> HarnessAsync(DatabaseProvider provider, FakeTimeProvider? clock = null) =>
        CommerceHarness.CreateAsync(provider, s =>
        {
            s.AddRiskServices();
            s.AddBlacklistServices();
            if (clock is not null) s.AddSingleton<TimeProvider>(clock);
        });

    static ClientSignals Client(string ip, string? device = null) => new(ip, device ?? "D" + Guid.NewGuid().ToString("N")[..15].ToUpperInvariant(), "UAHASH", null);

    static async Task<(int Entries, int Audits)> CountsAsync(CommerceHarness h)
    {
        await using var db = h.Db.NewContext();
        return (await db.BlacklistEntries.CountAsync(), await db.AuditEntries.CountAsync());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Each_refusal_of_bad_input_writes_nothing(DatabaseProvider provider)
    {
        await using var h = await HarnessAsync(provider);
        var service = h.Get<BlacklistService>();
        var shop = await h.OpenSellingShopAsync(keys: 1);
        var owner = new AuditActor(shop.Owner, "owner", shop.Shop.Id);
        var before = await CountsAsync(h);

        Assert.Equal("IP 段范围过大：IPv4 最宽 /8，IPv6 最宽 /32", (await service.AddAsync(null, new(BlacklistKind.Cidr, "10.0.0.0/7", "太宽", null), Platform)).Error);
        Assert.Equal("IP 段范围过大：IPv4 最宽 /8，IPv6 最宽 /32", (await service.AddAsync(null, new(BlacklistKind.Cidr, "2001:db8::/16", "太宽", null), Platform)).Error);
        Assert.Equal("请填写拉黑原因", (await service.AddAsync(null, new(BlacklistKind.Ip, "203.0.113.7", "  ", null), Platform)).Error);
        Assert.Equal("到期时间必须晚于现在", (await service.AddAsync(null, new(BlacklistKind.Ip, "203.0.113.7", "过期", DateTimeOffset.UtcNow.AddMinutes(-1)), Platform)).Error);
        Assert.StartsWith("IP 地址格式不正确", (await service.AddAsync(null, new(BlacklistKind.Ip, "203.0.113", "坏地址", null), Platform)).Error);
        Assert.Equal("用户不存在", (await service.AddAsync(null, new(BlacklistKind.User, "nobody-here", "无此人", null), Platform)).Error);
        Assert.Equal("分站不存在", (await service.AddAsync(999999, new(BlacklistKind.Ip, "203.0.113.7", "无此站", null), Platform)).Error);
        Assert.Equal("只有平台管理员可以管理平台黑名单", (await service.AddAsync(null, new(BlacklistKind.Ip, "203.0.113.7", "越权", null), owner)).Error);
        Assert.Equal("只能管理本站的黑名单", (await service.AddAsync(Station.MainStationId, new(BlacklistKind.Ip, "203.0.113.7", "越权", null), owner)).Error);
        Assert.Equal(before, await CountsAsync(h));

        var (id, error) = await service.AddAsync(null, new(BlacklistKind.Ip, "203.0.113.7", "刷单", null), Platform);
        Assert.Null(error);
        Assert.Equal("该条目已在黑名单中", (await service.AddAsync(null, new(BlacklistKind.Ip, " 203.0.113.7 ", "重复", null), Platform)).Error);
        Assert.Equal("黑名单条目不存在", await service.RemoveAsync(id!.Value, owner));
        Assert.Equal((before.Entries + 1, before.Audits + 1), await CountsAsync(h));
        Assert.Null(await service.RemoveAsync(id.Value, Platform));
        Assert.Equal((before.Entries, before.Audits + 2), await CountsAsync(h));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task An_owners_list_blocks_only_at_their_station_and_shows_addresses_masked(DatabaseProvider provider)
    {
        await using var h = await HarnessAsync(provider);
        var service = h.Get<BlacklistService>();
        var gate = h.Get<BlacklistGate>();
        var shop = await h.OpenSellingShopAsync(keys: 1);
        var owner = new AuditActor(shop.Owner, "owner", shop.Shop.Id);
        Assert.Null((await service.AddAsync(shop.Shop.Id, new(BlacklistKind.Cidr, "198.51.100.9/24", "恶意退款", null), owner)).Error);
        Assert.Null((await service.AddAsync(null, new(BlacklistKind.Ip, "203.0.113.50", "平台拉黑", null), Platform)).Error);

        await using (var db = h.Db.NewContext())
        {
            Assert.True(await gate.CheckAsync(db, shop.Shop.Id, null, null, null, Client("198.51.100.200")));
            Assert.False(await gate.CheckAsync(db, Station.MainStationId, null, null, null, Client("198.51.100.200")));
            Assert.False(await gate.CheckAsync(db, shop.Shop.Id, null, null, null, Client("198.51.101.1")));
            // The platform's list applies everywhere.
            Assert.True(await gate.CheckAsync(db, shop.Shop.Id, null, null, null, Client("203.0.113.50")));
            Assert.True(await gate.CheckAsync(db, Station.MainStationId, null, null, null, Client("203.0.113.50")));
        }

        var own = Assert.Single(await service.ListAsync(shop.Shop.Id, owner));
        Assert.Equal("198.51.100.*/24", own.Value);
        Assert.Equal("198.51.100.0/24", Assert.Single(await service.ListAsync(shop.Shop.Id, Platform)).Value);
        Assert.Empty(await service.ListAsync(null, owner));
        Assert.Equal("203.0.113.50", Assert.Single(await service.ListAsync(null, Platform)).Value);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task An_entry_blocks_until_it_expires(DatabaseProvider provider)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await HarnessAsync(provider, clock);
        var service = h.Get<BlacklistService>();
        var gate = h.Get<BlacklistGate>();
        var device = "0A1B2C3D4E5F60718293A4B5C6D7E8F9";
        Assert.Null((await service.AddAsync(null, new(BlacklistKind.Device, device, "盗号设备", clock.GetUtcNow().AddHours(1)), Platform)).Error);
        Assert.Null((await service.AddAsync(null, new(BlacklistKind.EmailDomain, "spam.example", "垃圾注册", clock.GetUtcNow().AddDays(1)), Platform)).Error);

        Assert.True(await gate.CheckAsync(Station.MainStationId, null, null, null, Client("192.0.2.1", device)));
        Assert.True(await gate.CheckAsync(Station.MainStationId, null, "x@mail.spam.example", null, Client("192.0.2.1")));
        clock.Advance(TimeSpan.FromHours(1));
        Assert.False(await gate.CheckAsync(Station.MainStationId, null, null, null, Client("192.0.2.1", device)));
        Assert.True(await gate.CheckAsync(Station.MainStationId, null, null, "a@spam.example", Client("192.0.2.1")));
        clock.Advance(TimeSpan.FromDays(1));
        Assert.False(await gate.CheckAsync(Station.MainStationId, null, null, "a@spam.example", Client("192.0.2.1")));
        Assert.Equal("已过期", (await service.ListAsync(null, Platform)).Select(r => r.Active ? "生效中" : "已过期").Distinct().Single());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_blocked_user_or_account_email_is_found_without_the_caller_passing_it(DatabaseProvider provider)
    {
        await using var h = await HarnessAsync(provider);
        var service = h.Get<BlacklistService>();
        var gate = h.Get<BlacklistGate>();
        var buyers = await h.AddBuyersAsync(2);
        string name;
        await using (var db = h.Db.NewContext())
        {
            var u = await db.Users.SingleAsync(x => x.Id == buyers[1]);
            u.Email = "someone@Bad.Example";
            name = (await db.Users.SingleAsync(x => x.Id == buyers[0])).UserName!;
            await db.SaveChangesAsync();
        }
        Assert.Null((await service.AddAsync(null, new(BlacklistKind.User, name, "欺诈", null), Platform)).Error);
        Assert.Null((await service.AddAsync(null, new(BlacklistKind.EmailDomain, "bad.example", "欺诈域名", null), Platform)).Error);
        Assert.Equal(name, (await service.ListAsync(null, Platform)).Single(r => r.Kind == BlacklistKind.User).Value);
        Assert.True(await gate.CheckAsync(Station.MainStationId, buyers[0], null, null, ClientSignals.None));
        Assert.True(await gate.CheckAsync(Station.MainStationId, buyers[1], null, null, ClientSignals.None));
        Assert.False(await gate.CheckAsync(Station.MainStationId, (await h.AddBuyersAsync(1))[0], null, null, ClientSignals.None));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Opening_a_substation_from_a_blocked_address_is_refused_and_writes_nothing(DatabaseProvider provider)
    {
        await using var h = await HarnessAsync(provider);
        Assert.Null((await h.Get<BlacklistService>().AddAsync(null, new(BlacklistKind.Cidr, "198.51.100.0/24", "批量开站", null), Platform)).Error);
        var buyer = (await h.AddBuyersAsync(1, balanceFen: 50000))[0];
        int levelId;
        await using (var db = h.Db.NewContext()) levelId = (await db.StationLevels.SingleAsync(l => l.Name == "高级")).Id;
        var stations = await StationCountAsync(h);

        var (id, error) = await h.Get<SubstationService>().OpenAsync(Station.MainStationId, buyer, new OpenSubstationRequest("blocked1", "被拦截", levelId, Client("198.51.100.77")));
        Assert.Null(id);
        Assert.Equal(BlacklistGate.Message, error);
        Assert.Equal(stations, await StationCountAsync(h));
        Assert.Equal(50000, await h.BalanceAsync(buyer));

        var (opened, none) = await h.Get<SubstationService>().OpenAsync(Station.MainStationId, buyer, new OpenSubstationRequest("allowed1", "放行", levelId, Client("192.0.2.77")));
        Assert.Null(none);
        Assert.NotNull(opened);
    }

    static async Task<int> StationCountAsync(CommerceHarness h)
    {
        await using var db = h.Db.NewContext();
        return await db.Stations.CountAsync();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_withdrawal_from_a_blocked_device_is_refused_and_an_allowed_one_records_its_signal(DatabaseProvider provider)
    {
        await using var h = await HarnessAsync(provider);
        var shop = await h.OpenSellingShopAsync(keys: 1);
        await using (var db = h.Db.NewContext())
        {
            var wallet = await db.EnsureWalletAsync(shop.Owner);
            await db.PostAsync(wallet.Id, LedgerEntryType.Earning, Money.FromFen(10000), DateTimeOffset.UtcNow, reason: "测试收益", bucket: WalletBucket.Earnings);
        }
        var device = "FEEDFACE0123456789ABCDEF01234567";
        Assert.Null((await h.Get<BlacklistService>().AddAsync(null, new(BlacklistKind.Device, device, "盗号", null), Platform)).Error);
        var withdrawals = h.Get<WithdrawalService>();
        var earnings = await h.EarningsAsync(shop.Owner);

        var (refused, error) = await withdrawals.RequestAsync(shop.Owner, shop.Shop.Id, "20", "支付宝 a@b.cn", Client("192.0.2.5", device));
        Assert.Null(refused);
        Assert.Equal(BlacklistGate.Message, error);
        Assert.Equal(earnings, await h.EarningsAsync(shop.Owner));
        await using (var db = h.Db.NewContext())
        {
            Assert.Equal(0, await db.Withdrawals.CountAsync());
            Assert.Equal(0, await db.RiskSignals.CountAsync());
        }

        var (withdrawalId, none) = await withdrawals.RequestAsync(shop.Owner, shop.Shop.Id, "20", "支付宝 a@b.cn", Client("192.0.2.5"));
        Assert.Null(none);
        Assert.NotNull(withdrawalId);
        await using (var db = h.Db.NewContext())
        {
            var signal = await db.RiskSignals.SingleAsync();
            Assert.Equal((RiskSignalKind.Withdrawal, shop.Owner, (int?)shop.Shop.Id, "192.0.2.5", "UAHASH"), (signal.Kind, signal.UserId, signal.StationId, signal.Ip, signal.UserAgentHash));
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Signals_are_kept_30_days_and_then_purged(DatabaseProvider provider)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await HarnessAsync(provider, clock);
        var recorder = h.Get<SignalRecorder>();
        await recorder.RecordAsync(RiskSignalKind.SignIn, Client("192.0.2.1"), "u1", Station.MainStationId);
        clock.Advance(TimeSpan.FromDays(20));
        await recorder.RecordAsync(RiskSignalKind.Registration, Client("192.0.2.2"), "u2", Station.MainStationId);
        clock.Advance(TimeSpan.FromDays(10) + TimeSpan.FromSeconds(1));

        Assert.Equal(1, await recorder.PurgeAsync());
        await using var db = h.Db.NewContext();
        var left = await db.RiskSignals.SingleAsync();
        Assert.Equal(("u2", "192.0.2.2", RiskSignalKind.Registration), (left.UserId, left.Ip, left.Kind));
        Assert.Equal(0, await recorder.PurgeAsync());
    }
}
