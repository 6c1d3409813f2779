using KaMeng.Data;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Dashboard;

namespace KaMeng.Tests.Dashboard;

/// <summary>The dashboard's station list, as its grid asks for it (a page, sorted by a column).</summary>
public class StationListQueryTests
{
    [Fact]
    public async Task A_page_comes_sorted_by_the_asked_column_with_the_total()
    {
        await using var h = await CommerceHarness.CreateAsync(DatabaseProvider.Sqlite);
        await using var db = h.Db.NewContext();
        var all = await StationListQueries.AllAsync(db);
        Assert.True(all[0].IsMain);

        var (byCodeDesc, total) = await StationListQueries.PageAsync(db, new StationListQuery(0, 20, "Code", Descending: true));
        Assert.Equal(all.Count, total);
        Assert.Equal(all.Select(s => s.Code).OrderDescending(StringComparer.Ordinal), byCodeDesc.Select(s => s.Code));
        Assert.Equal("main", byCodeDesc[0].Code);

        var (first, _) = await StationListQueries.PageAsync(db, new StationListQuery(0, 1, "Code"));
        var (second, _) = await StationListQueries.PageAsync(db, new StationListQuery(1, 1, "Code"));
        Assert.Equal(all.Select(s => s.Code).Order(StringComparer.Ordinal).Take(2), first.Concat(second).Select(s => s.Code));
    }
}
