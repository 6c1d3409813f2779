using KaMeng.Data;
using KaMeng.Tests.Infrastructure;
using KaMeng.Web.Features.Admin.Catalog;
using KaMeng.Web.Features.Shared;
using Microsoft.Extensions.Options;

namespace KaMeng.Tests.Catalog;

public class ImageUploadTests
{
    public static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52];
    public static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 0x4A, 0x46, 0x49, 0x46, 0, 1];
    public static readonly byte[] Gif = "GIF89a\u0001\0\u0001\0\0\0\0"u8.ToArray();
    public static readonly byte[] WebP = [.. "RIFF"u8, 0x24, 0, 0, 0, .. "WEBPVP8 "u8];

    static UploadStore NewStore(out string dataDir)
    {
        dataDir = TestPaths.NewTempDir("uploads");
        return new UploadStore(Options.Create(new KaMengOptions { DataDir = dataDir }));
    }

    public static TheoryData<byte[], string> Images => new() { { Png, ".png" }, { Jpeg, ".jpg" }, { Gif, ".gif" }, { WebP, ".webp" } };

    [Theory]
    [MemberData(nameof(Images))]
    public void Each_accepted_format_is_recognised_by_its_magic_bytes(byte[] bytes, string extension) =>
        Assert.Equal(extension, ImageSniffer.Detect(bytes)?.Extension);

    [Theory]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>")]
    [InlineData("<html><script>alert(1)</script></html>")]
    [InlineData("RIFF\0\0\0\0WAVEfmt ")]
    [InlineData("GIF8")]
    [InlineData("BM6\0\0\0")]
    [InlineData("")]
    public void Anything_else_is_not_an_image(string content) =>
        Assert.Null(ImageSniffer.Detect(System.Text.Encoding.ASCII.GetBytes(content)));

    [Theory]
    [MemberData(nameof(Images))]
    public async Task An_image_is_stored_under_a_random_name_with_the_extension_of_its_real_format(byte[] bytes, string extension)
    {
        var store = NewStore(out var dataDir);
        var first = await ProductImages.SaveAsync(store, new MemoryStream(bytes));
        var second = await ProductImages.SaveAsync(store, new MemoryStream(bytes));

        Assert.True(first.Succeeded, first.Error);
        Assert.StartsWith("/uploads/products/", first.Path);
        Assert.EndsWith(extension, first.Path);
        Assert.NotEqual(first.Path, second.Path);
        Assert.True(UploadStore.IsStoredImagePath(first.Path, ProductImages.Folder));
        var file = Path.Combine(dataDir, "uploads", "products", Path.GetFileName(first.Path!));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(file));
    }

    [Fact]
    public async Task A_file_over_2_mb_is_refused_in_chinese_and_nothing_is_stored()
    {
        var store = NewStore(out var dataDir);
        var big = new byte[UploadStore.MaxImageBytes + 1];
        Png.CopyTo(big, 0);
        var result = await ProductImages.SaveAsync(store, new MemoryStream(big));
        Assert.False(result.Succeeded);
        Assert.Equal("图片不能超过 2 MB", result.Error);
        Assert.False(Directory.Exists(Path.Combine(dataDir, "uploads", "products")) && Directory.EnumerateFiles(Path.Combine(dataDir, "uploads", "products")).Any());
    }

    [Fact]
    public async Task A_file_of_exactly_2_mb_is_accepted()
    {
        var store = NewStore(out _);
        var bytes = new byte[UploadStore.MaxImageBytes];
        Jpeg.CopyTo(bytes, 0);
        Assert.True((await ProductImages.SaveAsync(store, new MemoryStream(bytes))).Succeeded);
    }

    [Fact]
    public async Task A_script_renamed_to_png_is_refused_in_chinese_whatever_its_name()
    {
        var store = NewStore(out var dataDir);
        var result = await ProductImages.SaveAsync(store, new MemoryStream("<script>alert(1)</script>"u8.ToArray()));
        Assert.False(result.Succeeded);
        Assert.Equal("只支持 PNG、JPEG、GIF、WebP 格式的图片", result.Error);
        Assert.False(Directory.Exists(Path.Combine(dataDir, "uploads", "products")));
    }

    [Theory]
    [InlineData("products/../../kameng.db")]
    [InlineData("../keys/card-key-pepper.bin")]
    [InlineData("products/.hidden.png")]
    [InlineData("products//a.png")]
    [InlineData("products/a.svg")]
    [InlineData("products/a.html")]
    [InlineData("products/missing.png")]
    [InlineData("products\\..\\a.png")]
    public void Paths_outside_the_store_or_of_other_types_do_not_resolve(string path)
    {
        var store = NewStore(out var dataDir);
        File.WriteAllText(Path.Combine(dataDir, "kameng.db"), "secret");
        Directory.CreateDirectory(Path.Combine(dataDir, "uploads", "products"));
        File.WriteAllText(Path.Combine(dataDir, "uploads", "products", "a.svg"), "<svg/>");
        File.WriteAllText(Path.Combine(dataDir, "uploads", "products", "a.html"), "<html/>");
        Assert.Null(store.Resolve(path, out _));
    }

    [Theory]
    [InlineData("/uploads/products/0123456789abcdef0123456789abcdef.png", true)]
    [InlineData("/uploads/products/0123456789abcdef0123456789abcdef.webp", true)]
    [InlineData("/uploads/products/0123456789ABCDEF0123456789abcdef.png", false)]
    [InlineData("/uploads/products/0123456789abcdef0123456789abcdef.svg", false)]
    [InlineData("/uploads/products/../x.png", false)]
    [InlineData("https://evil.example/a.png", false)]
    [InlineData("javascript:alert(1)", false)]
    public void Only_paths_the_store_hands_out_count_as_product_images(string path, bool ok) =>
        Assert.Equal(ok, UploadStore.IsStoredImagePath(path, ProductImages.Folder));
}
