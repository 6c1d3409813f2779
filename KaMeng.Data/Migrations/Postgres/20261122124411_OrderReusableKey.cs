using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KaMeng.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class OrderReusableKey : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Orders_ProductId",
                table: "Orders");

            migrationBuilder.AddColumn<long>(
                name: "ReusableKeyId",
                table: "Orders",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Orders_ProductId_BuyerUserId",
                table: "Orders",
                columns: new[] { "ProductId", "BuyerUserId" });

            migrationBuilder.CreateIndex(
                name: "IX_Orders_ReusableKeyId",
                table: "Orders",
                column: "ReusableKeyId");

            migrationBuilder.AddForeignKey(
                name: "FK_Orders_CardKeys_ReusableKeyId",
                table: "Orders",
                column: "ReusableKeyId",
                principalTable: "CardKeys",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Orders_CardKeys_ReusableKeyId",
                table: "Orders");

            migrationBuilder.DropIndex(
                name: "IX_Orders_ProductId_BuyerUserId",
                table: "Orders");

            migrationBuilder.DropIndex(
                name: "IX_Orders_ReusableKeyId",
                table: "Orders");

            migrationBuilder.DropColumn(
                name: "ReusableKeyId",
                table: "Orders");

            migrationBuilder.CreateIndex(
                name: "IX_Orders_ProductId",
                table: "Orders",
                column: "ProductId");
        }
    }
}
