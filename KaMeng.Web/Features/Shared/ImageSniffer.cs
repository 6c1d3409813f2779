namespace KaMeng.Web.Features.Shared;

/// <summary>An image format we accept, with the extension and content type it is stored and served with.</summary>
public sealed record ImageFormat(string Name, string Extension, string ContentType)
{
    public static readonly ImageFormat Png = new("PNG", ".png", "image/png");
    public static readonly ImageFormat Jpeg = new("JPEG", ".jpg", "image/jpeg");
    public static readonly ImageFormat Gif = new("GIF", ".gif", "image/gif");
    public static readonly ImageFormat WebP = new("WebP", ".webp", "image/webp");

    public static readonly IReadOnlyList<ImageFormat> All = [Png, Jpeg, Gif, WebP];

    /// <summary>The format served for a stored file's extension, or null for anything we never store.</summary>
    public static ImageFormat? ByExtension(string extension) =>
        All.FirstOrDefault(f => f.Extension.Equals(extension, StringComparison.OrdinalIgnoreCase))
        ?? (extension.Equals(".jpeg", StringComparison.OrdinalIgnoreCase) ? Jpeg : null);
}

/// <summary>Tells an image's format from its first bytes (its magic number), never from its name.</summary>
public static class ImageSniffer
{
    /// <summary>Bytes needed to tell every accepted format apart.</summary>
    public const int HeaderLength = 12;

    static ReadOnlySpan<byte> PngMagic => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    static ReadOnlySpan<byte> JpegMagic => [0xFF, 0xD8, 0xFF];
    static ReadOnlySpan<byte> Gif87 => "GIF87a"u8;
    static ReadOnlySpan<byte> Gif89 => "GIF89a"u8;
    static ReadOnlySpan<byte> Riff => "RIFF"u8;
    static ReadOnlySpan<byte> WebP => "WEBP"u8;

    public static ImageFormat? Detect(ReadOnlySpan<byte> header)
    {
        if (header.StartsWith(PngMagic)) return ImageFormat.Png;
        if (header.StartsWith(JpegMagic)) return ImageFormat.Jpeg;
        if (header.StartsWith(Gif87) || header.StartsWith(Gif89)) return ImageFormat.Gif;
        if (header.Length >= 12 && header.StartsWith(Riff) && header[8..12].SequenceEqual(WebP)) return ImageFormat.WebP;
        return null;
    }
}
