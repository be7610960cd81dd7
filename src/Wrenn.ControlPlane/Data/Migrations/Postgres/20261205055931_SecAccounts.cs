using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Wrenn.ControlPlane.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SecAccounts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "audit_log",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    action = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    team_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    actor_user_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    actor_api_key_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    target_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    address = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    detail = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_log", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "invites",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    code_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    email = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: true),
                    team_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    created_by_user_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    used_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    used_by_user_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_invites", x => x.id);
                    table.ForeignKey(
                        name: "FK_invites_teams_team_id",
                        column: x => x.team_id,
                        principalTable: "teams",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "team_quotas",
                columns: table => new
                {
                    team_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    sandboxes = table.Column<int>(type: "integer", nullable: true),
                    vcpus = table.Column<int>(type: "integer", nullable: true),
                    memory_mb = table.Column<long>(type: "bigint", nullable: true),
                    templates = table.Column<int>(type: "integer", nullable: true),
                    template_bytes = table.Column<long>(type: "bigint", nullable: true),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_team_quotas", x => x.team_id);
                    table.ForeignKey(
                        name: "FK_team_quotas_teams_team_id",
                        column: x => x.team_id,
                        principalTable: "teams",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_audit_log_team_id_id",
                table: "audit_log",
                columns: new[] { "team_id", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_invites_code_hash",
                table: "invites",
                column: "code_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_invites_team_id",
                table: "invites",
                column: "team_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "audit_log");

            migrationBuilder.DropTable(
                name: "invites");

            migrationBuilder.DropTable(
                name: "team_quotas");
        }
    }
}
