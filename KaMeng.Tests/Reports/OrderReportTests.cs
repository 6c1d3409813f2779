using KaMeng.Data;
using KaMeng.Domain;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Admin.Reports;
using KaMeng.Web.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Tests.Reports;

/// <summary>The orders the finance page shows (issue 17 §3): the export's own query, page by page, with cost and profit,
/// in the station scope of whoever looks; and the export writes the same rows with the same cost and profit.</summary>
public class OrderReportTests
{
    sealed record World(CommerceHarness H, Product Product, int DemoStationId, List<string> Numbers, string DemoNumber);

    static async Task<World> WorldAsync(DatabaseProvider provider)
    {
        var h = await CommerceHarness.CreateAsync(provider);
        var product = await h.AddCardKeyProductAsync(10, priceFen: 1234); // cost 6.17 a card
        var buyer = (await h.AddBuyersAsync(1, 100000))[0];
        var numbers = new List<string>();
        foreach (var qty in new[] { 1, 2, 3 })
        {
            var r = await h.Checkout.PlaceBalanceOrderAsync(CommerceHarness.Main, new CheckoutRequest(product.Id, qty, buyer, Guid.NewGuid().ToString("N")));
            Assert.Null(r.Error);
            numbers.Add(r.OrderNumber!);
        }
        await using var db = h.Db.NewContext();
        var demo = await db.Stations.SingleAsync(s => s.Code == "demo");
        var tracked = await db.Products.SingleAsync(p => p.Id == product.Id);
        var demoOrder = Order.Place("DEMO" + Guid.NewGuid().ToString("N")[..12], demo.Id, tracked, 2, Money.FromFen(999), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(15));
        db.Orders.Add(demoOrder);
        await db.SaveChangesAsync();
        return new World(h, product, demo.Id, numbers, demoOrder.Number);
    }

    static ReportQueries Queries(World w) => new(w.H.Db.DbFactory);

    static readonly AuditActor Finance = new("finance", "finance", null);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [SqlServerData]
    public async Task The_page_shows_the_exports_rows_with_cost_and_profit_and_the_export_writes_the_same(DatabaseProvider provider)
    {
        var w = await WorldAsync(provider);
        await using var _ = w.H;
        var filter = new ReportFilter(Status: nameof(OrderStatus.Delivered), Search: w.Product.Name);

        var shown = await Queries(w).OrdersAsync(Finance, new OrderReportRequest(filter, PageSize: 200));
        Assert.Equal(3, shown.TotalCount);
        Assert.Equal(w.Numbers, shown.Rows.Select(r => r.Number)); // oldest first, as the export
        foreach (var (row, qty) in shown.Rows.Zip([1, 2, 3]))
        {
            Assert.Equal(617L * qty, row.CostFen);
            Assert.Equal((1234L - 617) * qty, row.ProfitFen);
        }
        Assert.Equal(shown.TotalCount, await Queries(w).CountAsync(Finance, FinanceExports.Orders, filter));

        // The export of that filter: the same orders, the same cost and profit.
        using var ms = new MemoryStream();
        await using (var db = w.H.Db.NewContext()) await OrderExport.WriteAsync(db, filter, ms);
        using var book = new Workbook(ms.ToArray());
        var rows = book.Rows(OrderExport.SheetName);
        Assert.Equal(["成本", "利润"], rows[0].Skip(12).Select(Workbook.Text));
        var exported = rows.Skip(1).Select(c => (Workbook.Text(c[0]), Workbook.Number(Workbook.At(c, "M")), Workbook.Number(Workbook.At(c, "N")))).ToList();
        Assert.Equal(shown.Rows.Select(r => (r.Number, r.CostFen!.Value / 100m, r.ProfitFen!.Value / 100m)), exported);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task A_station_owner_sees_only_their_stations_orders_and_pages_sort_on_the_server(DatabaseProvider provider)
    {
        var w = await WorldAsync(provider);
        await using var _ = w.H;

        var owner = new AuditActor("owner", "owner", w.DemoStationId);
        var own = await Queries(w).OrdersAsync(owner, new OrderReportRequest(new ReportFilter()));
        Assert.Equal(1, own.TotalCount);
        Assert.Equal(w.DemoNumber, Assert.Single(own.Rows).Number);
        Assert.Null(own.Rows[0].CostFen); // placed without a price chain: no cost is made up
        Assert.Equal(1, await Queries(w).CountAsync(owner, FinanceExports.Orders, new ReportFilter()));
        Assert.Equal(0, (await Queries(w).OrdersAsync(new AuditActor("nobody", "nobody", -1), new OrderReportRequest(new ReportFilter()))).TotalCount);

        // Second page of two, largest amount first.
        var filter = new ReportFilter(Search: w.Product.Name);
        var page = await Queries(w).OrdersAsync(Finance, new OrderReportRequest(filter, Page: 1, PageSize: 2, Sort: OrderReportSort.Total, Descending: true));
        Assert.Equal(4, page.TotalCount);
        Assert.Equal([1998L, 1234L], page.Rows.Select(r => r.Total.Fen));
    }
}
