using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KaMeng.Data.Configurations;

sealed class RiskRuleConfiguration : IEntityTypeConfiguration<RiskRule>
{
    public void Configure(EntityTypeBuilder<RiskRule> b)
    {
        // Platform rules have no station; a station's rules are read by the evaluator for its orders (not filtered by scope:
        // an owner must see the platform's rules they cannot loosen).
        b.HasOne<Station>().WithMany().HasForeignKey(x => x.StationId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => x.StationId);
    }
}
