using System.Text.Json.Nodes;
using KaMeng.Domain;
using KaMeng.Web.Features.Builder;

namespace KaMeng.Tests.Builder;

/// <summary>The builder's editor state without a page or a database: edits, history, selection, (de)serialising.</summary>
public class BuilderEditorTests
{
    readonly List<string> saved = [];
    IReadOnlyList<string> refuse = [];
    int ids;

    BuilderEditor NewEditor(params string[] types)
    {
        var editor = new BuilderEditor(json => { if (refuse.Count == 0) saved.Add(json); return Task.FromResult(refuse); }, () => $"b{++ids:00000}");
        var layout = new PageLayout(types.Select(t => new LayoutBlock($"s{++ids:00000}", t, false, false, BlockTypes.Find(t)!.NewSettings())).ToList());
        editor.Load(layout.ToJson(), unpublishedChanges: false);
        return editor;
    }

    static string[] Order(BuilderEditor e) => e.Blocks.Select(b => b.Type).ToArray();

    [Fact]
    public async Task Adding_a_block_inserts_it_where_asked_selects_it_saves_the_draft_and_marks_it_dirty()
    {
        var editor = NewEditor(BlockTypes.CategoryNav, BlockTypes.ProductGrid);
        Assert.False(editor.IsDirty);
        Assert.False(editor.CanUndo);

        Assert.Empty(await editor.AddAsync(BlockTypes.Banner, 0));
        Assert.Equal([BlockTypes.Banner, BlockTypes.CategoryNav, BlockTypes.ProductGrid], Order(editor));
        Assert.Equal(editor.Blocks[0].Id, editor.SelectedId);
        Assert.NotNull(editor.Editing);
        Assert.True(editor.IsDirty);
        Assert.True(editor.CanUndo);
        Assert.Equal(editor.Serialize(), Assert.Single(saved));

        await editor.AddAsync(BlockTypes.Faq, 99); // past the end: appended
        Assert.Equal(BlockTypes.Faq, editor.Blocks[^1].Type);
    }

    [Fact]
    public async Task Moving_up_down_and_before_a_slot_reorders_blocks_and_an_impossible_move_changes_nothing()
    {
        var editor = NewEditor(BlockTypes.Banner, BlockTypes.CategoryNav, BlockTypes.ProductGrid);
        await editor.MoveAsync(0, 1);
        Assert.Equal([BlockTypes.CategoryNav, BlockTypes.Banner, BlockTypes.ProductGrid], Order(editor));
        await editor.MoveBeforeAsync(editor.Blocks[2].Id, 0);
        Assert.Equal([BlockTypes.ProductGrid, BlockTypes.CategoryNav, BlockTypes.Banner], Order(editor));
        await editor.MoveBeforeAsync(editor.Blocks[0].Id, 3); // the end slot
        Assert.Equal([BlockTypes.CategoryNav, BlockTypes.Banner, BlockTypes.ProductGrid], Order(editor));
        Assert.Equal(3, saved.Count);

        await editor.MoveAsync(0, -1);
        await editor.MoveAsync(2, 3);
        await editor.MoveBeforeAsync(editor.Blocks[1].Id, 1); // before itself
        Assert.Equal(3, saved.Count);
    }

    [Fact]
    public async Task Removing_the_selected_block_deselects_it_and_duplicating_copies_settings_with_a_new_id()
    {
        var editor = NewEditor(BlockTypes.Notice, BlockTypes.Faq);
        editor.Select(editor.Blocks[0].Id);
        editor.Editing!["text"] = "合规提示";
        await editor.ApplySettingsAsync();
        await editor.ToggleHiddenAsync(0);

        await editor.DuplicateAsync(0);
        Assert.Equal([BlockTypes.Notice, BlockTypes.Notice, BlockTypes.Faq], Order(editor));
        Assert.NotEqual(editor.Blocks[0].Id, editor.Blocks[1].Id);
        Assert.Equal("合规提示", editor.Blocks[1].Settings["text"]!.GetValue<string>());
        Assert.True(editor.Blocks[1].Hidden);

        await editor.RemoveAsync(0);
        Assert.Null(editor.SelectedId);
        Assert.Null(editor.Editing);
        Assert.Equal([BlockTypes.Notice, BlockTypes.Faq], Order(editor));
    }

    [Fact]
    public async Task Editing_settings_changes_the_block_only_when_applied()
    {
        var editor = NewEditor(BlockTypes.ProductGrid);
        var block = editor.Blocks[0];
        editor.Select(block.Id);
        editor.Editing!["title"] = "本周热卖";
        Assert.Equal("全部商品", block.Settings["title"]!.GetValue<string>());
        Assert.False(editor.IsDirty);

        Assert.Empty(await editor.ApplySettingsAsync());
        Assert.Equal("本周热卖", editor.Blocks[0].Settings["title"]!.GetValue<string>());
        Assert.Equal("本周热卖", JsonNode.Parse(saved[^1])!["blocks"]![0]!["settings"]!["title"]!.GetValue<string>());
        Assert.Equal(block.Id, editor.SelectedId); // still being edited
    }

    [Fact]
    public async Task Undo_and_redo_walk_the_history_and_a_new_edit_clears_redo()
    {
        var editor = NewEditor(BlockTypes.CategoryNav);
        await editor.AddAsync(BlockTypes.Banner, 0);
        await editor.AddAsync(BlockTypes.Faq, 2);
        Assert.Equal([BlockTypes.Banner, BlockTypes.CategoryNav, BlockTypes.Faq], Order(editor));

        Assert.Empty(await editor.UndoAsync());
        Assert.Equal([BlockTypes.Banner, BlockTypes.CategoryNav], Order(editor));
        Assert.Null(editor.SelectedId); // the selected FAQ is gone
        await editor.UndoAsync();
        Assert.Equal([BlockTypes.CategoryNav], Order(editor));
        Assert.False(editor.CanUndo);
        Assert.Empty(await editor.UndoAsync()); // nothing left: no change, no save
        Assert.Equal(4, saved.Count);

        await editor.RedoAsync();
        Assert.Equal([BlockTypes.Banner, BlockTypes.CategoryNav], Order(editor));
        Assert.True(editor.CanRedo);
        Assert.Equal(editor.Serialize(), saved[^1]); // undo and redo save the draft too

        await editor.ToggleHiddenAsync(1);
        Assert.False(editor.CanRedo);
        Assert.Empty(await editor.RedoAsync());
        Assert.True(editor.Blocks[1].Hidden);
    }

    [Fact]
    public async Task A_refused_edit_is_rolled_back_and_leaves_the_history_alone()
    {
        var editor = NewEditor(BlockTypes.ProductGrid);
        editor.Select(editor.Blocks[0].Id);
        editor.Editing!["columns"] = 9;
        refuse = ["第 1 个区块「商品列表」：每行列数须在 1–6 之间"];

        Assert.Equal(refuse, await editor.ApplySettingsAsync());
        Assert.NotEqual(9, editor.Blocks[0].Settings["columns"]?.GetValue<int>());
        Assert.False(editor.CanUndo);
        Assert.False(editor.IsDirty);
        Assert.Equal(editor.Blocks[0].Id, editor.SelectedId);

        Assert.Equal(refuse, await editor.RemoveAsync(0));
        Assert.Single(editor.Blocks);
    }

    [Fact]
    public async Task Theme_and_tokens_are_part_of_the_state_a_new_theme_drops_the_old_tokens()
    {
        var editor = NewEditor(BlockTypes.CategoryNav);
        await editor.SetThemeAsync("dark");
        await editor.SetTokensAsync(new Dictionary<string, string?> { ["--km-primary"] = " #e91e63 ", ["--km-radius"] = "" });
        Assert.Equal("dark", editor.Theme);
        Assert.Equal(new Dictionary<string, string> { ["--km-primary"] = "#e91e63" }, editor.Tokens);

        await editor.SetTokensAsync(new Dictionary<string, string?> { ["--km-primary"] = " " });
        Assert.Empty(editor.Tokens);
        await editor.UndoAsync();
        Assert.Equal("#e91e63", editor.Tokens["--km-primary"]);
        await editor.SetThemeAsync("fresh");
        Assert.Empty(editor.Tokens);
    }

    [Fact]
    public async Task Serialising_and_loading_again_gives_the_same_document_and_a_layout_the_domain_accepts()
    {
        var editor = NewEditor(BlockTypes.CategoryNav, BlockTypes.ProductGrid);
        await editor.SetThemeAsync("dark");
        await editor.SetTokensAsync(new Dictionary<string, string?> { ["--km-primary"] = "#e91e63" });
        editor.Select(editor.Blocks[1].Id);
        editor.Editing!["title"] = "本周热卖";
        await editor.ApplySettingsAsync();
        await editor.ToggleLockAsync(1);
        await editor.ToggleHiddenAsync(0);
        var json = editor.Serialize();

        var again = new BuilderEditor(_ => Task.FromResult<IReadOnlyList<string>>([]));
        again.Load(json, unpublishedChanges: true);
        Assert.Equal(json, again.Serialize());
        Assert.True(again.IsDirty);
        Assert.False(again.CanUndo);
        Assert.Null(again.SelectedId);
        Assert.True(again.Blocks[0].Hidden);
        Assert.True(again.Blocks[1].Locked);
        Assert.Equal("本周热卖", again.Blocks[1].Summary);

        var rules = new LayoutRules(_ => true, _ => true, (_, _) => null);
        var (layout, errors) = PageLayout.Parse(json, rules);
        Assert.Empty(errors);
        Assert.Equal("dark", layout!.Theme);
        Assert.Equal([BlockTypes.CategoryNav, BlockTypes.ProductGrid], layout.Blocks.Select(b => b.Type));

        again.MarkPublished();
        Assert.False(again.IsDirty);
    }

    [Fact]
    public void Settings_are_checked_with_the_domains_rules_and_messages()
    {
        var rules = new LayoutRules(_ => true, _ => true, (_, _) => null);
        Assert.Empty(BuilderEditor.CheckSettings(BlockTypes.ProductGrid, new JsonObject { ["columns"] = 3 }, rules));
        Assert.Contains(BuilderEditor.CheckSettings(BlockTypes.ProductGrid, new JsonObject { ["columns"] = 9 }, rules), e => e.Contains("每行列数须在 1–6 之间"));
        Assert.Equal(["设置格式不正确"], BuilderEditor.CheckSettings(BlockTypes.ProductGrid, new JsonObject { ["columns"] = "三" }, rules));
    }
}
