// Keeps keyboard focus on a block the builder just moved (Alt+Arrow), after Blazor re-rendered the canvas.
export function focusBlock(id) {
    const el = document.querySelector(`.canvas-block[data-block-id="${CSS.escape(id)}"]`);
    if (el) el.focus();
}

// Chromium starts a native drag only with something in the drag data: give palette items and blocks a payload.
export function init() {
    // Drops before this runs are lost (nothing cancels dragover yet); tests wait for this mark.
    document.body.setAttribute('data-builder-ready', '1');
    if (window.__kmBuilderDrag) return;
    window.__kmBuilderDrag = true;
    document.addEventListener('dragstart', e => {
        const item = e.target.closest && e.target.closest('.palette-item, .canvas-block');
        if (!item || !e.dataTransfer) return;
        e.dataTransfer.setData('text/plain', item.dataset.blockId || item.dataset.testid || 'block');
        e.dataTransfer.effectAllowed = 'copyMove';
    }, true);
    // Drop targets must cancel dragover, or the browser never fires drop on them.
    document.addEventListener('dragover', e => {
        if (e.target.closest && e.target.closest('.drop-slot, .canvas-block')) {
            e.preventDefault();
            if (e.dataTransfer) e.dataTransfer.dropEffect = 'move';
        }
    });
}
