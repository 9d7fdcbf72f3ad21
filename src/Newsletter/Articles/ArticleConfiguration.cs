using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Newsletter.Articles;

internal sealed class ArticleConfiguration : IEntityTypeConfiguration<Article>
{
    public void Configure(EntityTypeBuilder<Article> builder)
    {
        builder.ToTable("Articles");
        builder.Ignore(a => a.CategoryList);
        builder.Property(a => a.ExternalId).HasMaxLength(ArticleInput.MaxExternalIdLength);
        builder.Property(a => a.Source).HasMaxLength(1000);
        builder.Property(a => a.Title).HasMaxLength(ArticleInput.MaxTitleLength);
        builder.Property(a => a.Link).HasMaxLength(ArticleInput.MaxUrlLength);
        builder.Property(a => a.Author).HasMaxLength(200);
        builder.Property(a => a.Categories).HasMaxLength(ArticleInput.MaxCategoriesLength);
        builder.Property(a => a.ImageUrl).HasMaxLength(ArticleInput.MaxUrlLength);
        builder.HasIndex(a => a.ExternalId).IsUnique();
        // The planner's query: visible articles published in a period.
        builder.HasIndex(a => new { a.Hidden, a.PublishedAt });
    }
}

internal sealed class FeedStateConfiguration : IEntityTypeConfiguration<FeedState>
{
    public void Configure(EntityTypeBuilder<FeedState> builder)
    {
        builder.ToTable("FeedStates");
        builder.Property(f => f.Url).HasMaxLength(1000);
        builder.Property(f => f.ETag).HasMaxLength(500);
        builder.Property(f => f.LastModified).HasMaxLength(100);
        builder.Property(f => f.LastError).HasMaxLength(1000);
        builder.HasIndex(f => f.Url).IsUnique();
    }
}
