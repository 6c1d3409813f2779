using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Reports;

/// <summary>The scheduled finance workbook: one sheet per report (订单, 资金流水, 提现, 分站收益) over one period, and a
/// 汇总 sheet with each report's count and amount. The context's station scope decides whose figures they are.</summary>
public static class FinanceWorkbook
{
    public static async Task<IReadOnlyList<(string Report, long Count, long Fen)>> WriteAsync(KaMengDbContext db, ReportFilter period, Stream output, CancellationToken ct = default)
    {
        var totals = new List<(string, long, long)>();
        using var excel = ExcelWriter.Create(output);
        long count = 0, fen = 0;
        using (var sheet = excel.BeginSheet(OrderExport.SheetName, OrderExport.Columns))
            await foreach (var o in OrderExport.Query(db, period).AsAsyncEnumerable().WithCancellation(ct))
            {
                sheet.BeginRow().Text(o.Number).Text(o.StationName).Text(o.ProductName).Integer(o.Quantity).Money(o.UnitPrice.Fen).Money(o.Total.Fen)
                    .Text(DisplayNames.Of(o.Status)).Text(OrderExport.PaymentName(o.PaymentMethod)).Text(o.BuyerName).Text(o.Contact)
                    .DateTime(o.CreatedAt).DateTime(o.PaidAt);
                if (o.CostFen is { } cost) sheet.Money(cost).Money(o.Total.Fen - cost);
                sheet.EndRow();
                count++; fen = checked(fen + o.Total.Fen);
            }
        totals.Add(("订单", count, fen));
        count = 0; fen = 0;
        using (var sheet = excel.BeginSheet(LedgerExport.SheetName, LedgerExport.Columns))
            await foreach (var e in LedgerExport.Query(db, period).AsAsyncEnumerable().WithCancellation(ct))
            {
                sheet.BeginRow().DateTime(e.CreatedAt).Text(e.UserName).Text(LedgerEntry.TypeName(e.Type)).Money(e.Amount.Fen).Money(e.BalanceAfter.Fen)
                    .Text(e.OrderNumber).Text(e.Reason).Text(e.OperatorName).EndRow();
                count++; fen = checked(fen + e.Amount.Fen);
            }
        totals.Add(("资金流水", count, fen));
        count = 0; fen = 0;
        using (var sheet = excel.BeginSheet("提现", [new("申请时间", 20), new("用户", 16), new("金额", 14), new("手续费", 12), new("状态", 10)]))
            await foreach (var w in MoreExports.WithdrawalQuery(db, period).AsAsyncEnumerable().WithCancellation(ct))
            {
                sheet.BeginRow().DateTime(w.CreatedAt).Text(w.UserName).Money(w.Amount.Fen).Money(w.Fee.Fen).Text(MoreExports.WithdrawalName(w.Status)).EndRow();
                count++; fen = checked(fen + w.Amount.Fen);
            }
        totals.Add(("提现", count, fen));
        count = 0; fen = 0;
        using (var sheet = excel.BeginSheet("分站收益", [new("时间", 20), new("分站", 16), new("收益", 14), new("订单", 24)]))
            await foreach (var e in MoreExports.EarningQuery(db, period).AsAsyncEnumerable().WithCancellation(ct))
            {
                sheet.BeginRow().DateTime(e.CreatedAt).Text(e.StationName).Money(e.Amount.Fen).Text(e.OrderNumber).EndRow();
                count++; fen = checked(fen + e.Amount.Fen);
            }
        totals.Add(("分站收益", count, fen));
        using (var s = excel.BeginSheet("汇总", [new("报表", 16), new("笔数", 12), new("金额", 18)]))
        {
            foreach (var (report, c, amount) in totals) s.BeginRow().Text(report).Integer(c).Money(amount).EndRow();
            s.BeginRow().Text(period.Describe(null)).EndRow();
        }
        return totals;
    }
}
