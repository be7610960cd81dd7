using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Wrenn.ControlPlane.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SecLimits : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_templates_name",
                table: "templates");

            migrationBuilder.DropIndex(
                name: "IX_templates_team_id",
                table: "templates");

            migrationBuilder.CreateIndex(
                name: "IX_templates_team_id_name",
                table: "templates",
                columns: new[] { "team_id", "name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_templates_team_id_name",
                table: "templates");

            migrationBuilder.CreateIndex(
                name: "IX_templates_name",
                table: "templates",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_templates_team_id",
                table: "templates",
                column: "team_id");
        }
    }
}
