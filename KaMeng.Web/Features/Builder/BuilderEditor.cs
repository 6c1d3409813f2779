using System.Text.Json;
using System.Text.Json.Nodes;
using KaMeng.Domain;

namespace KaMeng.Web.Features.Builder;

/// <summary>One block as the builder edits it: its settings stay JSON until the domain checks them on save.</summary>
public sealed class EditorBlock
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public bool Hidden { get; internal set; }
    public bool Locked { get; internal set; }
    public JsonObject Settings { get; internal set; } = new();

    public string DisplayName => BlockTypes.Find(Type)?.DisplayName ?? Type;

    /// <summary>The first text of the block worth showing on the canvas, clipped.</summary>
    public string Summary =>
        new[] { "title", "text", "markdown", "question" }.Select(k => Settings[k]?.ToString()).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v)) is { } v
            ? (v.Length > 40 ? v[..40] + "…" : v) : "";
}

/// <summary>
/// The 店铺装修 editor's state for one page, without any UI: the blocks, the theme and its tokens, the selected block and
/// the settings being edited, undo and redo. Every edit is saved through <c>save</c> (the draft, checked by the domain);
/// an edit the save refuses is rolled back and leaves the history as it was.
/// </summary>
public sealed class BuilderEditor(Func<string, Task<IReadOnlyList<string>>> save, Func<string>? newId = null)
{
    readonly Func<string> newId = newId ?? LayoutService.NewBlockId;
    readonly List<string> undo = [], redo = [];
    List<EditorBlock> blocks = [];
    Dictionary<string, string> tokens = [];

    public IReadOnlyList<EditorBlock> Blocks => blocks;
    public string? Theme { get; private set; }
    public IReadOnlyDictionary<string, string> Tokens => tokens;
    public bool CanUndo => undo.Count > 0;
    public bool CanRedo => redo.Count > 0;
    /// <summary>The draft has changes that are not published.</summary>
    public bool IsDirty { get; private set; }
    public string? SelectedId { get; private set; }
    public EditorBlock? Selected => blocks.FirstOrDefault(b => b.Id == SelectedId);
    public int? SelectedIndex => blocks.FindIndex(b => b.Id == SelectedId) is var i and >= 0 ? i : null;
    /// <summary>A copy of the selected block's settings, changed by the settings form and applied with <see cref="ApplySettingsAsync"/>.</summary>
    public JsonObject? Editing { get; private set; }

    /// <summary>Starts over with a page's draft: no history, nothing selected.</summary>
    public void Load(string json, bool unpublishedChanges)
    {
        Apply(json);
        IsDirty = unpublishedChanges;
        undo.Clear();
        redo.Clear();
        Deselect();
    }

    /// <summary>The draft became the live version: nothing left to publish.</summary>
    public void MarkPublished() => IsDirty = false;

    public void Select(string id)
    {
        if (blocks.All(b => b.Id != id)) return;
        SelectedId = id;
        Editing = Selected!.Settings.DeepClone().AsObject();
    }

    public void Deselect() => (SelectedId, Editing) = (null, null);

    public string Serialize()
    {
        var root = new JsonObject();
        if (Theme is not null) root["theme"] = Theme;
        if (tokens.Count > 0) root["themeTokens"] = JsonSerializer.SerializeToNode(tokens);
        root["blocks"] = new JsonArray(blocks.Select(b => (JsonNode)new JsonObject
        {
            ["id"] = b.Id, ["type"] = b.Type, ["hidden"] = b.Hidden, ["locked"] = b.Locked, ["settings"] = b.Settings.DeepClone(),
        }).ToArray());
        return root.ToJsonString();
    }

    /// <summary>The state from a layout document; keeps the selection when its block is still there.</summary>
    void Apply(string json)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        Theme = root["theme"]?.GetValue<string>();
        tokens = root["themeTokens"]?.Deserialize<Dictionary<string, string>>() ?? [];
        blocks = (root["blocks"]?.AsArray() ?? []).Select(n => n!.AsObject()).Select(o => new EditorBlock
        {
            Id = o["id"]!.GetValue<string>(), Type = o["type"]!.GetValue<string>(),
            Hidden = o["hidden"]?.GetValue<bool>() ?? false, Locked = o["locked"]?.GetValue<bool>() ?? false,
            Settings = o["settings"]?.DeepClone().AsObject() ?? new JsonObject(),
        }).ToList();
        if (Selected is { } s) Editing = s.Settings.DeepClone().AsObject();
        else Deselect();
    }

    /// <summary>One edit: applied, saved, and recorded for undo; or rolled back with the reasons it was refused.</summary>
    async Task<IReadOnlyList<string>> EditAsync(Action change)
    {
        var before = Serialize();
        change();
        var after = Serialize();
        if (after == before) return [];
        var refused = await SaveAsync(after, before);
        if (refused.Count > 0) return refused;
        undo.Add(before);
        redo.Clear();
        return [];
    }

    async Task<IReadOnlyList<string>> SaveAsync(string json, string fallback)
    {
        var refused = await save(json);
        if (refused.Count > 0)
        {
            Apply(fallback);
            return refused;
        }
        IsDirty = true;
        return [];
    }

    public async Task<IReadOnlyList<string>> UndoAsync()
    {
        if (undo.Count == 0) return [];
        var current = Serialize();
        Apply(undo[^1]);
        var refused = await SaveAsync(undo[^1], current);
        if (refused.Count > 0) return refused;
        undo.RemoveAt(undo.Count - 1);
        redo.Add(current);
        return [];
    }

    public async Task<IReadOnlyList<string>> RedoAsync()
    {
        if (redo.Count == 0) return [];
        var current = Serialize();
        Apply(redo[^1]);
        var refused = await SaveAsync(redo[^1], current);
        if (refused.Count > 0) return refused;
        redo.RemoveAt(redo.Count - 1);
        undo.Add(current);
        return [];
    }

    EditorBlock NewBlock(string type)
    {
        var t = BlockTypes.Find(type) ?? throw new ArgumentException($"Unknown block type {type}", nameof(type));
        return new EditorBlock
        {
            Id = newId(), Type = type,
            Settings = JsonSerializer.SerializeToNode(t.NewSettings(), t.SettingsType, PageLayout.Json)!.AsObject(),
        };
    }

    /// <summary>Adds a new block of <paramref name="type"/> at <paramref name="at"/> and selects it.</summary>
    public async Task<IReadOnlyList<string>> AddAsync(string type, int at)
    {
        var block = NewBlock(type);
        var refused = await EditAsync(() => blocks.Insert(Math.Clamp(at, 0, blocks.Count), block));
        if (refused.Count == 0) Select(block.Id);
        return refused;
    }

    /// <summary>Moves the block at <paramref name="from"/> so that it ends up at <paramref name="to"/>.</summary>
    public Task<IReadOnlyList<string>> MoveAsync(int from, int to)
    {
        if (from < 0 || from >= blocks.Count || to < 0 || to >= blocks.Count || from == to) return Task.FromResult<IReadOnlyList<string>>([]);
        var block = blocks[from];
        return EditAsync(() => { blocks.RemoveAt(from); blocks.Insert(to, block); });
    }

    /// <summary>Puts the block with <paramref name="id"/> before the block now at <paramref name="slot"/> (the end when it is the count).</summary>
    public Task<IReadOnlyList<string>> MoveBeforeAsync(string id, int slot)
    {
        var from = blocks.FindIndex(b => b.Id == id);
        return MoveAsync(from, from < slot ? slot - 1 : slot);
    }

    public Task<IReadOnlyList<string>> DuplicateAsync(int index) => EditAsync(() =>
    {
        var copy = NewBlock(blocks[index].Type);
        copy.Settings = blocks[index].Settings.DeepClone().AsObject();
        copy.Hidden = blocks[index].Hidden;
        blocks.Insert(index + 1, copy);
    });

    public Task<IReadOnlyList<string>> ToggleHiddenAsync(int index) => EditAsync(() => blocks[index].Hidden = !blocks[index].Hidden);

    public Task<IReadOnlyList<string>> ToggleLockAsync(int index) => EditAsync(() => blocks[index].Locked = !blocks[index].Locked);

    public async Task<IReadOnlyList<string>> RemoveAsync(int index)
    {
        var id = blocks[index].Id;
        var refused = await EditAsync(() => blocks.RemoveAt(index));
        if (refused.Count == 0 && SelectedId == id) Deselect();
        return refused;
    }

    /// <summary>Saves the settings being edited into the selected block.</summary>
    public Task<IReadOnlyList<string>> ApplySettingsAsync()
    {
        if (Selected is not { } block || Editing is null) return Task.FromResult<IReadOnlyList<string>>([]);
        var next = Editing.DeepClone().AsObject();
        return EditAsync(() => block.Settings = next);
    }

    /// <summary>Another theme; its token overrides start empty.</summary>
    public Task<IReadOnlyList<string>> SetThemeAsync(string? name) => EditAsync(() => { Theme = name; tokens = []; });

    /// <summary>Token overrides: a blank value removes the override, others are trimmed.</summary>
    public Task<IReadOnlyList<string>> SetTokensAsync(IReadOnlyDictionary<string, string?> edits) => EditAsync(() =>
    {
        foreach (var (name, value) in edits)
        {
            if (string.IsNullOrWhiteSpace(value)) tokens.Remove(name);
            else tokens[name] = value.Trim();
        }
    });

    /// <summary>The domain's reasons to refuse these settings for a block of <paramref name="type"/> (none when valid).</summary>
    public static IReadOnlyList<string> CheckSettings(string type, JsonObject settings, LayoutRules rules)
    {
        if (BlockTypes.Find(type) is not { } t) return [$"区块类型「{type}」不存在"];
        try
        {
            var typed = (BlockSettings?)settings.Deserialize(t.SettingsType, PageLayout.Json);
            return typed is null ? ["设置格式不正确"] : typed.Check(rules).ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NotSupportedException)
        {
            return ["设置格式不正确"];
        }
    }
}
