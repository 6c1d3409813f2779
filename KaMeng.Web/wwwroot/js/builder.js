// The storefront builder's few browser-side needs; dragging and dropping is MudBlazor's (MudDropContainer).

// Keeps keyboard focus on a block the builder just moved (Alt+Arrow): the move re-renders it in another drop slot,
// so focus it now and once more after the drop zones' own renders have settled.
export function focusBlock(id) {
    const find = () => document.querySelector(`[data-testid="canvas-block"][data-block-id="${CSS.escape(id)}"]`);
    const focus = () => { const el = find(); if (el && document.activeElement !== el) el.focus(); };
    focus();
    requestAnimationFrame(() => requestAnimationFrame(focus));
    setTimeout(focus, 250);
}

let observer = null;

// The desktop preview renders the storefront 1280 px wide and scales it down to the width it has, so that it is
// never cut off; the phone preview is 390 px as it is.
function fit(wrap) {
    const style = getComputedStyle(wrap);
    const inner = wrap.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const scale = Math.min(1, inner / 1280) || 1;
    wrap.style.setProperty('--preview-scale', String(scale));
}

export function init(wrap) {
    if (wrap instanceof HTMLElement) {
        observer?.disconnect();
        observer = new ResizeObserver(() => fit(wrap));
        observer.observe(wrap);
        fit(wrap);
    }
    // The canvas is interactive: a drop before this is lost; tests wait for this mark.
    document.body.setAttribute('data-builder-ready', '1');
}

// After the preview changed width: bring it into view.
export function showPreview(wrap) {
    if (!(wrap instanceof HTMLElement)) return;
    fit(wrap);
    const box = wrap.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) wrap.scrollIntoView({ block: 'nearest', behavior: 'instant' });
}

// On a phone the settings sit below the whole canvas: bring them up when a block is opened for editing. Wider
// screens show them beside or right below the canvas already.
export function showSettings() {
    if (window.innerWidth >= 600) return;
    document.querySelector('[data-testid="settings-panel"]')?.scrollIntoView({ block: 'start', behavior: 'instant' });
}

export function dispose() {
    observer?.disconnect();
    observer = null;
    document.body.removeAttribute('data-builder-ready');
}
