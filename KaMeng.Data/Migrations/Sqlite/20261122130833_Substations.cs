using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KaMeng.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Substations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "ChildOpenMarkup",
                table: "Stations",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<string>(
                name: "ContactTelegram",
                table: "Stations",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ExpiresAt",
                table: "Stations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "FaviconUrl",
                table: "Stations",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "FooterText",
                table: "Stations",
                type: "TEXT",
                maxLength: 512,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "LevelId",
                table: "Stations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "ListingSuspended",
                table: "Stations",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "LogoUrl",
                table: "Stations",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SeoDescription",
                table: "Stations",
                type: "TEXT",
                maxLength: 512,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SeoTitle",
                table: "Stations",
                type: "TEXT",
                maxLength: 128,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "MemberLevels",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    StationId = table.Column<int>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    DiscountBasisPoints = table.Column<int>(type: "INTEGER", nullable: false),
                    SpendThreshold = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MemberLevels", x => x.Id);
                    table.ForeignKey(
                        name: "FK_MemberLevels_Stations_StationId",
                        column: x => x.StationId,
                        principalTable: "Stations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "PlatformSettings",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    MaxDepth = table.Column<int>(type: "INTEGER", nullable: false),
                    WithdrawalMinimum = table.Column<long>(type: "INTEGER", nullable: false),
                    WithdrawalFeeBasisPoints = table.Column<int>(type: "INTEGER", nullable: false),
                    RootDomains = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PlatformSettings", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "PriceRules",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    StationId = table.Column<int>(type: "INTEGER", nullable: false),
                    Audience = table.Column<int>(type: "INTEGER", nullable: false),
                    Scope = table.Column<int>(type: "INTEGER", nullable: false),
                    CategoryId = table.Column<int>(type: "INTEGER", nullable: true),
                    ProductId = table.Column<int>(type: "INTEGER", nullable: true),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    Value = table.Column<long>(type: "INTEGER", nullable: false),
                    Rounding = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PriceRules", x => x.Id);
                    table.ForeignKey(
                        name: "FK_PriceRules_Stations_StationId",
                        column: x => x.StationId,
                        principalTable: "Stations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "StationLevels",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    OpenPrice = table.Column<long>(type: "INTEGER", nullable: false),
                    CostRateBasisPoints = table.Column<int>(type: "INTEGER", nullable: false),
                    MayOpenChildren = table.Column<bool>(type: "INTEGER", nullable: false),
                    MaxChildren = table.Column<int>(type: "INTEGER", nullable: false),
                    RenewalDays = table.Column<int>(type: "INTEGER", nullable: true),
                    SortOrder = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StationLevels", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "StationProducts",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    StationId = table.Column<int>(type: "INTEGER", nullable: false),
                    ProductId = table.Column<int>(type: "INTEGER", nullable: false),
                    Hidden = table.Column<bool>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    DescriptionMarkdown = table.Column<string>(type: "TEXT", maxLength: 20000, nullable: true),
                    SortOrder = table.Column<int>(type: "INTEGER", nullable: true),
                    Recommended = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StationProducts", x => x.Id);
                    table.ForeignKey(
                        name: "FK_StationProducts_Products_ProductId",
                        column: x => x.ProductId,
                        principalTable: "Products",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_StationProducts_Stations_StationId",
                        column: x => x.StationId,
                        principalTable: "Stations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "Withdrawals",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    StationId = table.Column<int>(type: "INTEGER", nullable: true),
                    Amount = table.Column<long>(type: "INTEGER", nullable: false),
                    Fee = table.Column<long>(type: "INTEGER", nullable: false),
                    PayoutAccount = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Status = table.Column<int>(type: "INTEGER", nullable: false),
                    PayoutReference = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    RejectReason = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    DecidedByUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DecidedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Withdrawals", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "LevelPrices",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    LevelId = table.Column<int>(type: "INTEGER", nullable: false),
                    ProductId = table.Column<int>(type: "INTEGER", nullable: false),
                    Price = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LevelPrices", x => x.Id);
                    table.ForeignKey(
                        name: "FK_LevelPrices_Products_ProductId",
                        column: x => x.ProductId,
                        principalTable: "Products",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_LevelPrices_StationLevels_LevelId",
                        column: x => x.LevelId,
                        principalTable: "StationLevels",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Stations_LevelId",
                table: "Stations",
                column: "LevelId");

            migrationBuilder.CreateIndex(
                name: "IX_Stations_OwnerUserId",
                table: "Stations",
                column: "OwnerUserId");

            migrationBuilder.CreateIndex(
                name: "IX_LevelPrices_LevelId_ProductId",
                table: "LevelPrices",
                columns: new[] { "LevelId", "ProductId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_LevelPrices_ProductId",
                table: "LevelPrices",
                column: "ProductId");

            migrationBuilder.CreateIndex(
                name: "IX_MemberLevels_StationId",
                table: "MemberLevels",
                column: "StationId");

            migrationBuilder.CreateIndex(
                name: "IX_PriceRules_StationId_Audience_Scope_CategoryId_ProductId",
                table: "PriceRules",
                columns: new[] { "StationId", "Audience", "Scope", "CategoryId", "ProductId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_StationProducts_ProductId",
                table: "StationProducts",
                column: "ProductId");

            migrationBuilder.CreateIndex(
                name: "IX_StationProducts_StationId_ProductId",
                table: "StationProducts",
                columns: new[] { "StationId", "ProductId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Withdrawals_Status_CreatedAt",
                table: "Withdrawals",
                columns: new[] { "Status", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Withdrawals_UserId_CreatedAt",
                table: "Withdrawals",
                columns: new[] { "UserId", "CreatedAt" });

            migrationBuilder.AddForeignKey(
                name: "FK_Stations_StationLevels_LevelId",
                table: "Stations",
                column: "LevelId",
                principalTable: "StationLevels",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Stations_StationLevels_LevelId",
                table: "Stations");

            migrationBuilder.DropTable(
                name: "LevelPrices");

            migrationBuilder.DropTable(
                name: "MemberLevels");

            migrationBuilder.DropTable(
                name: "PlatformSettings");

            migrationBuilder.DropTable(
                name: "PriceRules");

            migrationBuilder.DropTable(
                name: "StationProducts");

            migrationBuilder.DropTable(
                name: "Withdrawals");

            migrationBuilder.DropTable(
                name: "StationLevels");

            migrationBuilder.DropIndex(
                name: "IX_Stations_LevelId",
                table: "Stations");

            migrationBuilder.DropIndex(
                name: "IX_Stations_OwnerUserId",
                table: "Stations");

            migrationBuilder.DropColumn(
                name: "ChildOpenMarkup",
                table: "Stations");

            migrationBuilder.DropColumn(
                name: "ContactTelegram",
                table: "Stations");

            migrationBuilder.DropColumn(
                name: "ExpiresAt",
                table: "Stations");

            migrationBuilder.DropColumn(
                name: "FaviconUrl",
                table: "Stations");

            migrationBuilder.DropColumn(
                name: "FooterText",
                table: "Stations");

            migrationBuilder.DropColumn(
                name: "LevelId",
                table: "Stations");

            migrationBuilder.DropColumn(
                name: "ListingSuspended",
                table: "Stations");

            migrationBuilder.DropColumn(
                name: "LogoUrl",
                table: "Stations");

            migrationBuilder.DropColumn(
                name: "SeoDescription",
                table: "Stations");

            migrationBuilder.DropColumn(
                name: "SeoTitle",
                table: "Stations");
        }
    }
}
