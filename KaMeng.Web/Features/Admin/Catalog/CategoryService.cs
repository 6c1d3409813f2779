using System.Text.Json;
using KaMeng.Data;
using KaMeng.Domain;
using Microsoft.EntityFrameworkCore;

namespace KaMeng.Web.Features.Admin.Catalog;

/// <summary>A category as the admin lists it: in tree order, with its depth and what hangs on it.</summary>
public sealed record CategoryRow(int Id, int? ParentId, string Name, string? Icon, int SortOrder, bool Visible, int Depth, int ProductCount, string Path)
{
    /// <summary>The name indented by depth, for dropdowns.</summary>
    public string IndentedName => new string('　', Depth) + (Depth > 0 ? "└ " : "") + Name;
}

/// <summary>What the category form edits.</summary>
public sealed class CategoryForm
{
    public int? Id { get; set; }
    public int? ParentId { get; set; }
    public string Name { get; set; } = "";
    public string? Icon { get; set; }
    public int SortOrder { get; set; }
    public bool Visible { get; set; } = true;
}

/// <summary>分类 of one station, nested. Each change is one SaveChanges with its audit entry.</summary>
public sealed class CategoryService(IDbContextFactory<KaMengDbContext> dbFactory, TimeProvider clock)
{
    public const int MaxDepth = 3;

    /// <summary>All categories of the station in tree order (parents before children, siblings by sort order then id).</summary>
    public async Task<List<CategoryRow>> ListAsync(int stationId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var categories = await db.Categories.AsNoTracking().Where(c => c.StationId == stationId).ToListAsync(ct);
        var counts = await db.Products.AsNoTracking().Where(p => p.StationId == stationId && !p.Deleted)
            .GroupBy(p => p.CategoryId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        var byParent = categories.ToLookup(c => c.ParentId);
        var ids = categories.Select(c => c.Id).ToHashSet();
        var rows = new List<CategoryRow>(categories.Count);
        void Walk(int? parentId, int depth, string path)
        {
            foreach (var c in byParent[parentId].OrderBy(c => c.SortOrder).ThenBy(c => c.Id))
            {
                var p = path.Length == 0 ? c.Name : path + " / " + c.Name;
                rows.Add(new CategoryRow(c.Id, c.ParentId, c.Name, c.Icon, c.SortOrder, c.Visible, depth, counts.GetValueOrDefault(c.Id), p));
                if (depth < 32) Walk(c.Id, depth + 1, p);
            }
        }
        Walk(null, 0, "");
        // A parent in another station would orphan a row: show it at the top rather than hide it.
        foreach (var orphan in categories.Where(c => c.ParentId is { } pid && !ids.Contains(pid)))
            rows.Add(new CategoryRow(orphan.Id, orphan.ParentId, orphan.Name, orphan.Icon, orphan.SortOrder, orphan.Visible, 0, counts.GetValueOrDefault(orphan.Id), orphan.Name));
        return rows;
    }

    const string NoName = "请填写分类名称";
    const string NameTooLong = "分类名称不能超过 64 个字";

    /// <summary>The name's own check (no database), for the form to show next to the field while it lasts.</summary>
    public static string? CheckName(string? name)
    {
        var n = name?.Trim() ?? "";
        return n.Length == 0 ? NoName : n.Length > 64 ? NameTooLong : null;
    }

    /// <summary>Whether a refusal is one of <see cref="CheckName"/>'s.</summary>
    public static bool IsNameError(string message) => message is NoName or NameTooLong;

    public async Task<CategoryForm?> GetAsync(int stationId, int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Categories.AsNoTracking().Where(c => c.StationId == stationId && c.Id == id)
            .Select(c => new CategoryForm { Id = c.Id, ParentId = c.ParentId, Name = c.Name, Icon = c.Icon, SortOrder = c.SortOrder, Visible = c.Visible })
            .SingleOrDefaultAsync(ct);
    }

    public async Task<CatalogResult> SaveAsync(int stationId, CategoryForm form, AdminActor actor, CancellationToken ct = default)
    {
        var errors = new List<string>();
        var name = form.Name?.Trim() ?? "";
        var icon = string.IsNullOrWhiteSpace(form.Icon) ? null : form.Icon.Trim();
        if (CheckName(name) is { } nameError) errors.Add(nameError);
        if (icon is not null && (icon.Length > 64 || !icon.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_')))
            errors.Add("图标请填写 Material 图标名，只含小写字母、数字和下划线，例如 sports_esports");

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var all = await db.Categories.Where(c => c.StationId == stationId).ToListAsync(ct);
        Category? category = null;
        if (form.Id is { } id)
        {
            category = all.FirstOrDefault(c => c.Id == id);
            if (category is null) return CatalogResult.Refused("分类不存在或已被删除");
        }
        if (form.ParentId is { } parentId)
        {
            var parent = all.FirstOrDefault(c => c.Id == parentId);
            if (parent is null) errors.Add("上级分类不存在");
            else
            {
                // The parent may not be the category itself or one of its descendants, and the tree stays shallow.
                var ancestors = new List<Category>();
                for (Category? p = parent; p is not null && ancestors.Count <= all.Count; p = all.FirstOrDefault(c => c.Id == p.ParentId))
                    ancestors.Add(p);
                if (category is not null && ancestors.Any(a => a.Id == category.Id))
                    errors.Add("不能把分类移到它自己或它的子分类下面");
                else if (ancestors.Count + (category is null ? 1 : SubtreeHeight(category.Id, all)) > MaxDepth)
                    errors.Add($"分类最多 {MaxDepth} 级");
            }
        }
        if (errors.Count > 0) return CatalogResult.Refused(errors);

        var created = category is null;
        category ??= db.Categories.Add(new Category { StationId = stationId, Name = name }).Entity;
        var before = created ? null : Describe(category);
        category.Name = name;
        category.Icon = icon;
        category.ParentId = form.ParentId;
        category.SortOrder = form.SortOrder;
        category.Visible = form.Visible;
        if (!created && !db.ChangeTracker.HasChanges()) return CatalogResult.Ok(category.Id);

        if (created)
        {
            // The new id is known only after the insert: both writes share one transaction.
            await using var tx = await db.BeginBusinessTransactionAsync(ct);
            await db.SaveChangesAsync(ct);
            db.AuditEntries.Add(Audit(stationId, actor, "category.create", category.Id, Describe(category)));
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        else
        {
            db.AuditEntries.Add(Audit(stationId, actor, "category.update", category.Id, $"{before} → {Describe(category)}"));
            await db.SaveChangesAsync(ct);
        }
        return CatalogResult.Ok(category.Id);
    }

    /// <summary>Deletes an empty category. One with products (even deleted ones, which orders still point at) or children is refused.</summary>
    public async Task<CatalogResult> DeleteAsync(int stationId, int id, AdminActor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var category = await db.Categories.SingleOrDefaultAsync(c => c.StationId == stationId && c.Id == id, ct);
        if (category is null) return CatalogResult.Refused("分类不存在或已被删除");
        var children = await db.Categories.CountAsync(c => c.ParentId == id, ct);
        if (children > 0) return CatalogResult.Refused($"分类「{category.Name}」下还有 {children} 个子分类，请先删除或移走子分类");
        var products = await db.Products.CountAsync(p => p.CategoryId == id && !p.Deleted, ct);
        if (products > 0) return CatalogResult.Refused($"分类「{category.Name}」下还有 {products} 个商品，请先把商品移到其他分类或删除");
        if (await db.Products.AnyAsync(p => p.CategoryId == id, ct))
            return CatalogResult.Refused($"分类「{category.Name}」仍被已删除的商品（及其订单记录）引用，不能删除；可以把它设为隐藏");
        db.Categories.Remove(category);
        db.AuditEntries.Add(Audit(stationId, actor, "category.delete", id, Describe(category)));
        await db.SaveChangesAsync(ct);
        return CatalogResult.Ok(id);
    }

    static int SubtreeHeight(int id, List<Category> all, int guard = 0)
    {
        var children = all.Where(c => c.ParentId == id).ToList();
        return children.Count == 0 || guard > 32 ? 1 : 1 + children.Max(c => SubtreeHeight(c.Id, all, guard + 1));
    }

    static string Describe(Category c) => JsonSerializer.Serialize(new { c.Name, c.ParentId, c.Icon, c.SortOrder, c.Visible }, AuditJson.Options);

    AuditEntry Audit(int stationId, AdminActor actor, string action, int id, string detail) => new()
    {
        StationId = stationId, UserId = actor.UserId, UserName = actor.UserName, Action = action,
        Target = $"category:{id}", Detail = detail, CreatedAt = clock.GetUtcNow(),
    };
}

static class AuditJson
{
    public static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All) };
}
