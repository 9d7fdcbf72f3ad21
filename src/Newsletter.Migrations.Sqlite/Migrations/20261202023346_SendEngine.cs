using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Newsletter.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class SendEngine : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "PausedAt",
                table: "DigestIssues",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PausedReason",
                table: "DigestIssues",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "SendRequestedAt",
                table: "DigestIssues",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "DigestBatchLeases",
                columns: table => new
                {
                    IssueId = table.Column<long>(type: "INTEGER", nullable: false),
                    FromId = table.Column<long>(type: "INTEGER", nullable: false),
                    Token = table.Column<Guid>(type: "TEXT", nullable: false),
                    RenewedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DigestBatchLeases", x => new { x.IssueId, x.FromId });
                    table.ForeignKey(
                        name: "FK_DigestBatchLeases_DigestIssues_IssueId",
                        column: x => x.IssueId,
                        principalTable: "DigestIssues",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "SendRateBuckets",
                columns: table => new
                {
                    Scope = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    Tokens = table.Column<double>(type: "REAL", nullable: false),
                    RefilledAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SendRateBuckets", x => x.Scope);
                });

            migrationBuilder.CreateTable(
                name: "SendRateSlices",
                columns: table => new
                {
                    Scope = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    Start = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Count = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SendRateSlices", x => new { x.Scope, x.Start });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DigestBatchLeases");

            migrationBuilder.DropTable(
                name: "SendRateBuckets");

            migrationBuilder.DropTable(
                name: "SendRateSlices");

            migrationBuilder.DropColumn(
                name: "PausedAt",
                table: "DigestIssues");

            migrationBuilder.DropColumn(
                name: "PausedReason",
                table: "DigestIssues");

            migrationBuilder.DropColumn(
                name: "SendRequestedAt",
                table: "DigestIssues");
        }
    }
}
