using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Newsletter.Templates;

/// <summary>
/// A template edited by staff. It replaces the file of the same name in every process (the files in
/// <c>templates/</c> are the defaults); deleting the row goes back to the file.
/// </summary>
public sealed class TemplateOverride
{
    /// <summary>The template's name, e.g. "email/confirm.html".</summary>
    public required string Name { get; set; }

    public required string Text { get; set; }

    /// <summary>Bumped on every save, so processes can tell a new version from the one they hold.</summary>
    public long Version { get; set; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>Who saved it (a staff email).</summary>
    public string? UpdatedBy { get; set; }
}

internal sealed class TemplateOverrideConfiguration : IEntityTypeConfiguration<TemplateOverride>
{
    public void Configure(EntityTypeBuilder<TemplateOverride> builder)
    {
        builder.ToTable("TemplateOverrides");
        builder.HasKey(t => t.Name);
        builder.Property(t => t.Name).HasMaxLength(200);
        builder.Property(t => t.UpdatedBy).HasMaxLength(256);
    }
}
