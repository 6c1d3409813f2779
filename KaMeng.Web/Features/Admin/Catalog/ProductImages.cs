using KaMeng.Web.Features.Shared;

namespace KaMeng.Web.Features.Admin.Catalog;

/// <summary>Product pictures: images in the "products" folder of the upload store.</summary>
public static class ProductImages
{
    public const string Folder = "products";

    public static Task<UploadResult> SaveAsync(UploadStore store, Stream content, CancellationToken ct = default) =>
        store.SaveImageAsync(Folder, content, ct);
}
