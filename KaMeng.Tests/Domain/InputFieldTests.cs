using KaMeng.Domain;

namespace KaMeng.Tests.Domain;

public class InputFieldTests
{
    [Theory]
    [InlineData(InputFieldType.Phone, "13800138000", true)]
    [InlineData(InputFieldType.Phone, "1380013800", false)]
    [InlineData(InputFieldType.Phone, "23800138000", false)]
    [InlineData(InputFieldType.QQ, "10001", true)]
    [InlineData(InputFieldType.QQ, "0123", false)]
    [InlineData(InputFieldType.GameAccount, "player_01", true)]
    [InlineData(InputFieldType.GameAccount, "<script>", false)]
    [InlineData(InputFieldType.Email, "a@b.cn", true)]
    [InlineData(InputFieldType.Email, "a@b", false)]
    public void Validates_by_type(InputFieldType type, string value, bool ok)
    {
        var field = new InputField { Key = "k", Label = "账号", Type = type };
        Assert.Equal(ok, field.Validate(value) is null);
    }

    [Fact]
    public void Required_field_asks_in_chinese() =>
        Assert.Equal("请填写手机号", new InputField { Key = "phone", Label = "手机号", Type = InputFieldType.Phone }.Validate(" "));

    [Fact]
    public void Optional_field_may_be_empty() =>
        Assert.Null(new InputField { Key = "note", Label = "备注", Required = false }.Validate(null));

    [Fact]
    public void Extra_pattern_must_match_the_whole_value()
    {
        var field = new InputField { Key = "zone", Label = "区服", Pattern = "[0-9]{1,3}区" };
        Assert.Null(field.Validate("12区"));
        Assert.NotNull(field.Validate("x12区"));
    }
}
