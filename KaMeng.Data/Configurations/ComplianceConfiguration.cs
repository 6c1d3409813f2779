using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KaMeng.Data.Configurations;

sealed class ProhibitedTermConfiguration : IEntityTypeConfiguration<ProhibitedTerm>
{
    public void Configure(EntityTypeBuilder<ProhibitedTerm> b)
    {
        b.Property(x => x.Category).HasMaxLength(ProhibitedTerm.MaxCategoryLength);
        b.Property(x => x.Text).HasMaxLength(ProhibitedTerm.MaxTextLength);
    }
}

sealed class StationSanctionConfiguration : IEntityTypeConfiguration<StationSanction>
{
    public void Configure(EntityTypeBuilder<StationSanction> b)
    {
        b.Property(x => x.Reason).HasMaxLength(500);
        b.Property(x => x.ImposedBy).HasMaxLength(256);
        b.Property(x => x.LiftedBy).HasMaxLength(256);
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => new { x.StationId, x.EndsAt });
    }
}

/// <summary>The review columns of <see cref="Product"/> (issue 21); the rest of the product is in CatalogConfiguration.</summary>
sealed class ProductReviewConfiguration : IEntityTypeConfiguration<Product>
{
    public void Configure(EntityTypeBuilder<Product> b)
    {
        b.Property(x => x.ReviewReason).HasMaxLength(Product.ReviewTextMaxLength);
        b.Property(x => x.ReviewNote).HasMaxLength(Product.ReviewTextMaxLength);
        b.Property(x => x.ReviewedBy).HasMaxLength(256);
        b.Property(x => x.ApprovedHits).HasMaxLength(2000);
        b.Ignore(x => x.IsReviewApproved);
        // The review queue reads products waiting or taken off by terms.
        b.HasIndex(x => x.Review);
    }
}
