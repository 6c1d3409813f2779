using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KaMeng.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ThemeTokens : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ThemeTokensJson",
                table: "Stations",
                type: "character varying(4000)",
                maxLength: 4000,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ThemeTokensJson",
                table: "Stations");
        }
    }
}
