using KaMeng.Domain;

namespace KaMeng.Tests.Domain;

public class MoneyTests
{
    [Theory]
    [InlineData(1234, "¥12.34")]
    [InlineData(5, "¥0.05")]
    [InlineData(0, "¥0.00")]
    [InlineData(-150, "-¥1.50")]
    public void Displays_as_yuan_with_two_decimals(long fen, string expected) => Assert.Equal(expected, Money.FromFen(fen).ToString());

    [Theory]
    [InlineData("12", 1200)]
    [InlineData("12.3", 1230)]
    [InlineData("12.34", 1234)]
    [InlineData("¥0.01", 1)]
    [InlineData(" 100.00 ", 10000)]
    public void Parses_what_people_write(string text, long fen)
    {
        Assert.True(Money.TryParseYuan(text, out var m));
        Assert.Equal(fen, m.Fen);
    }

    [Theory]
    [InlineData("1e1")]
    [InlineData("10.001")]
    [InlineData("1,000")]
    [InlineData("12.")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("+5")]
    [InlineData("NaN")]
    public void Refuses_anything_that_is_not_an_exact_amount(string text) => Assert.False(Money.TryParseYuan(text, out _));

    [Fact]
    public void Arithmetic_is_exact() =>
        Assert.Equal(Money.FromFen(30), Money.FromFen(10) + Money.FromFen(20));

    [Fact]
    public void Multiplying_by_quantity_never_loses_a_fen() => Assert.Equal(3 * 1999L, (Money.FromFen(1999) * 3).Fen);
}
