using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KaMeng.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DashboardRollups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "BuyerDayStats",
                columns: table => new
                {
                    StationId = table.Column<int>(type: "INTEGER", nullable: false),
                    Day = table.Column<int>(type: "INTEGER", nullable: false),
                    BuyerUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    Paid = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BuyerDayStats", x => new { x.StationId, x.Day, x.BuyerUserId });
                });

            migrationBuilder.CreateTable(
                name: "BuyerStats",
                columns: table => new
                {
                    StationId = table.Column<int>(type: "INTEGER", nullable: false),
                    BuyerUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    FirstPaidAt = table.Column<long>(type: "INTEGER", nullable: false),
                    SecondPaidAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastPaidAt = table.Column<long>(type: "INTEGER", nullable: false),
                    PaidOrders = table.Column<int>(type: "INTEGER", nullable: false),
                    SpendFen = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BuyerStats", x => new { x.StationId, x.BuyerUserId });
                });

            migrationBuilder.CreateTable(
                name: "OrderRollupStates",
                columns: table => new
                {
                    OrderId = table.Column<long>(type: "INTEGER", nullable: false),
                    StationId = table.Column<int>(type: "INTEGER", nullable: false),
                    Status = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OrderRollupStates", x => x.OrderId);
                });

            migrationBuilder.CreateTable(
                name: "ProductDayStats",
                columns: table => new
                {
                    StationId = table.Column<int>(type: "INTEGER", nullable: false),
                    Day = table.Column<int>(type: "INTEGER", nullable: false),
                    ProductId = table.Column<int>(type: "INTEGER", nullable: false),
                    Paid = table.Column<long>(type: "INTEGER", nullable: false),
                    Quantity = table.Column<long>(type: "INTEGER", nullable: false),
                    GmvFen = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ProductDayStats", x => new { x.StationId, x.Day, x.ProductId });
                });

            migrationBuilder.CreateTable(
                name: "StationDayStats",
                columns: table => new
                {
                    StationId = table.Column<int>(type: "INTEGER", nullable: false),
                    Day = table.Column<int>(type: "INTEGER", nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    Paid = table.Column<long>(type: "INTEGER", nullable: false),
                    PaidQuantity = table.Column<long>(type: "INTEGER", nullable: false),
                    GmvFen = table.Column<long>(type: "INTEGER", nullable: false),
                    ProfitFen = table.Column<long>(type: "INTEGER", nullable: false),
                    BalancePaid = table.Column<long>(type: "INTEGER", nullable: false),
                    EPayPaid = table.Column<long>(type: "INTEGER", nullable: false),
                    CohortPaid = table.Column<long>(type: "INTEGER", nullable: false),
                    CohortDelivered = table.Column<long>(type: "INTEGER", nullable: false),
                    CohortFailed = table.Column<long>(type: "INTEGER", nullable: false),
                    CohortCancelled = table.Column<long>(type: "INTEGER", nullable: false),
                    Refunds = table.Column<long>(type: "INTEGER", nullable: false),
                    RefundFen = table.Column<long>(type: "INTEGER", nullable: false),
                    RefundProfitFen = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StationDayStats", x => new { x.StationId, x.Day });
                });

            migrationBuilder.CreateTable(
                name: "StationHourStats",
                columns: table => new
                {
                    StationId = table.Column<int>(type: "INTEGER", nullable: false),
                    Hour = table.Column<long>(type: "INTEGER", nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    Paid = table.Column<long>(type: "INTEGER", nullable: false),
                    PaidQuantity = table.Column<long>(type: "INTEGER", nullable: false),
                    GmvFen = table.Column<long>(type: "INTEGER", nullable: false),
                    ProfitFen = table.Column<long>(type: "INTEGER", nullable: false),
                    BalancePaid = table.Column<long>(type: "INTEGER", nullable: false),
                    EPayPaid = table.Column<long>(type: "INTEGER", nullable: false),
                    CohortPaid = table.Column<long>(type: "INTEGER", nullable: false),
                    CohortDelivered = table.Column<long>(type: "INTEGER", nullable: false),
                    CohortFailed = table.Column<long>(type: "INTEGER", nullable: false),
                    CohortCancelled = table.Column<long>(type: "INTEGER", nullable: false),
                    Refunds = table.Column<long>(type: "INTEGER", nullable: false),
                    RefundFen = table.Column<long>(type: "INTEGER", nullable: false),
                    RefundProfitFen = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StationHourStats", x => new { x.StationId, x.Hour });
                });

            migrationBuilder.CreateIndex(
                name: "IX_BuyerStats_StationId_FirstPaidAt",
                table: "BuyerStats",
                columns: new[] { "StationId", "FirstPaidAt" });

            migrationBuilder.CreateIndex(
                name: "IX_BuyerStats_StationId_LastPaidAt",
                table: "BuyerStats",
                columns: new[] { "StationId", "LastPaidAt" });

            migrationBuilder.CreateIndex(
                name: "IX_StationDayStats_Day_StationId",
                table: "StationDayStats",
                columns: new[] { "Day", "StationId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "BuyerDayStats");

            migrationBuilder.DropTable(
                name: "BuyerStats");

            migrationBuilder.DropTable(
                name: "OrderRollupStates");

            migrationBuilder.DropTable(
                name: "ProductDayStats");

            migrationBuilder.DropTable(
                name: "StationDayStats");

            migrationBuilder.DropTable(
                name: "StationHourStats");
        }
    }
}
