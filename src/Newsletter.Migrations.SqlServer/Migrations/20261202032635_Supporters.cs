using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Newsletter.Migrations.SqlServer.Migrations
{
    /// <inheritdoc />
    public partial class Supporters : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "AmountAsOf",
                table: "RecurringPlans",
                type: "datetime2",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.AddColumn<long>(
                name: "CampaignId",
                table: "RecurringPlans",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "StripeCustomerId",
                table: "RecurringPlans",
                type: "nvarchar(255)",
                maxLength: 255,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "CampaignId",
                table: "Donations",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "CoveredFee",
                table: "Donations",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<string>(
                name: "StripeCustomerId",
                table: "Donations",
                type: "nvarchar(255)",
                maxLength: 255,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "CampaignId",
                table: "DonationCheckouts",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "CoveredFee",
                table: "DonationCheckouts",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateTable(
                name: "Campaigns",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    Slug = table.Column<string>(type: "nvarchar(60)", maxLength: 60, nullable: false),
                    Name = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: false),
                    GoalAmount = table.Column<long>(type: "bigint", nullable: false),
                    Currency = table.Column<string>(type: "nvarchar(3)", maxLength: 3, nullable: false),
                    StartsOn = table.Column<DateOnly>(type: "date", nullable: false),
                    EndsOn = table.Column<DateOnly>(type: "date", nullable: false),
                    ThankYouText = table.Column<string>(type: "nvarchar(1000)", maxLength: 1000, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "datetime2", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Campaigns", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DonorAccess",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    PublicId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    EmailKey = table.Column<string>(type: "nvarchar(320)", maxLength: 320, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DonorAccess", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "UnmatchedStripePayments",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    CheckoutSessionId = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    PaymentLinkId = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: true),
                    PaymentIntentId = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: true),
                    SubscriptionId = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: true),
                    Mode = table.Column<string>(type: "nvarchar(20)", maxLength: 20, nullable: false),
                    Amount = table.Column<long>(type: "bigint", nullable: false),
                    Currency = table.Column<string>(type: "nvarchar(3)", maxLength: 3, nullable: false),
                    Outcome = table.Column<int>(type: "int", nullable: false),
                    PayerName = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: true),
                    PayerEmail = table.Column<string>(type: "nvarchar(320)", maxLength: 320, nullable: true),
                    PayerEmailKey = table.Column<string>(type: "nvarchar(320)", maxLength: 320, nullable: true),
                    State = table.Column<int>(type: "int", nullable: false),
                    StripeCreatedAt = table.Column<DateTime>(type: "datetime2", nullable: false),
                    DecidedAt = table.Column<DateTime>(type: "datetime2", nullable: true),
                    DecidedBy = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: true),
                    Version = table.Column<int>(type: "int", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UnmatchedStripePayments", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_RecurringPlans_CampaignId",
                table: "RecurringPlans",
                column: "CampaignId");

            migrationBuilder.CreateIndex(
                name: "IX_RecurringPlans_StripeCustomerId",
                table: "RecurringPlans",
                column: "StripeCustomerId");

            migrationBuilder.CreateIndex(
                name: "IX_Donations_CampaignId_PaidAt",
                table: "Donations",
                columns: new[] { "CampaignId", "PaidAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Donations_StripeCustomerId",
                table: "Donations",
                column: "StripeCustomerId");

            migrationBuilder.CreateIndex(
                name: "IX_DonationCheckouts_CampaignId",
                table: "DonationCheckouts",
                column: "CampaignId");

            migrationBuilder.CreateIndex(
                name: "IX_Campaigns_Slug",
                table: "Campaigns",
                column: "Slug",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_DonorAccess_EmailKey",
                table: "DonorAccess",
                column: "EmailKey",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_DonorAccess_PublicId",
                table: "DonorAccess",
                column: "PublicId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_UnmatchedStripePayments_CheckoutSessionId",
                table: "UnmatchedStripePayments",
                column: "CheckoutSessionId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_UnmatchedStripePayments_PayerEmailKey",
                table: "UnmatchedStripePayments",
                column: "PayerEmailKey");

            migrationBuilder.CreateIndex(
                name: "IX_UnmatchedStripePayments_State_StripeCreatedAt",
                table: "UnmatchedStripePayments",
                columns: new[] { "State", "StripeCreatedAt" });

            migrationBuilder.AddForeignKey(
                name: "FK_DonationCheckouts_Campaigns_CampaignId",
                table: "DonationCheckouts",
                column: "CampaignId",
                principalTable: "Campaigns",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "FK_Donations_Campaigns_CampaignId",
                table: "Donations",
                column: "CampaignId",
                principalTable: "Campaigns",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "FK_RecurringPlans_Campaigns_CampaignId",
                table: "RecurringPlans",
                column: "CampaignId",
                principalTable: "Campaigns",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_DonationCheckouts_Campaigns_CampaignId",
                table: "DonationCheckouts");

            migrationBuilder.DropForeignKey(
                name: "FK_Donations_Campaigns_CampaignId",
                table: "Donations");

            migrationBuilder.DropForeignKey(
                name: "FK_RecurringPlans_Campaigns_CampaignId",
                table: "RecurringPlans");

            migrationBuilder.DropTable(
                name: "Campaigns");

            migrationBuilder.DropTable(
                name: "DonorAccess");

            migrationBuilder.DropTable(
                name: "UnmatchedStripePayments");

            migrationBuilder.DropIndex(
                name: "IX_RecurringPlans_CampaignId",
                table: "RecurringPlans");

            migrationBuilder.DropIndex(
                name: "IX_RecurringPlans_StripeCustomerId",
                table: "RecurringPlans");

            migrationBuilder.DropIndex(
                name: "IX_Donations_CampaignId_PaidAt",
                table: "Donations");

            migrationBuilder.DropIndex(
                name: "IX_Donations_StripeCustomerId",
                table: "Donations");

            migrationBuilder.DropIndex(
                name: "IX_DonationCheckouts_CampaignId",
                table: "DonationCheckouts");

            migrationBuilder.DropColumn(
                name: "AmountAsOf",
                table: "RecurringPlans");

            migrationBuilder.DropColumn(
                name: "CampaignId",
                table: "RecurringPlans");

            migrationBuilder.DropColumn(
                name: "StripeCustomerId",
                table: "RecurringPlans");

            migrationBuilder.DropColumn(
                name: "CampaignId",
                table: "Donations");

            migrationBuilder.DropColumn(
                name: "CoveredFee",
                table: "Donations");

            migrationBuilder.DropColumn(
                name: "StripeCustomerId",
                table: "Donations");

            migrationBuilder.DropColumn(
                name: "CampaignId",
                table: "DonationCheckouts");

            migrationBuilder.DropColumn(
                name: "CoveredFee",
                table: "DonationCheckouts");
        }
    }
}
