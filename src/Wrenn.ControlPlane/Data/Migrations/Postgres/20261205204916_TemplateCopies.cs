using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Wrenn.ControlPlane.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class TemplateCopies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "template_copies",
                columns: table => new
                {
                    template_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    host_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    copied_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    last_used_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_template_copies", x => new { x.template_id, x.host_id });
                    table.ForeignKey(
                        name: "FK_template_copies_hosts_host_id",
                        column: x => x.host_id,
                        principalTable: "hosts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_template_copies_templates_template_id",
                        column: x => x.template_id,
                        principalTable: "templates",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_template_copies_host_id",
                table: "template_copies",
                column: "host_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "template_copies");
        }
    }
}
