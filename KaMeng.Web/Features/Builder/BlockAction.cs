namespace KaMeng.Web.Features.Builder;

public enum BlockActionKind { Select, Move, Duplicate, ToggleHidden, ToggleLock, Delete, Undo, Redo }

/// <summary>What the canvas asks the page to do with the block at <see cref="Index"/>.</summary>
public sealed record BlockAction(BlockActionKind Kind, int Index, int To = 0, bool KeepFocus = false);
