// Copy buttons on the storefront (static pages, no circuit needed).
document.addEventListener('click', async (e) => {
  const button = e.target.closest('[data-copy]');
  if (!button) return;
  const text = button.getAttribute('data-copy');
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = document.createElement('textarea');
    area.value = text; document.body.appendChild(area); area.select();
    document.execCommand('copy'); area.remove();
  }
  const old = button.textContent;
  button.textContent = '已复制';
  setTimeout(() => { button.textContent = old; }, 1500);
});

// Called by the admin layout once its circuit is interactive; browser tests wait for this mark.
window.kameng = window.kameng || {};
window.kameng.circuitReady = () => document.body.setAttribute('data-circuit', 'connected');
// Forms marked data-once submit once: a double click cannot send a second request
// (the server's idempotency key is the real guard).
document.addEventListener('submit', (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-once')) return;
  if (form.dataset.submitted === '1') { e.preventDefault(); return; }
  form.dataset.submitted = '1';
  // A disabled button is left out of the form data: keep the clicked button's name/value (e.g. the payment channel).
  if (e.submitter && e.submitter.name) {
    const kept = document.createElement('input');
    kept.type = 'hidden'; kept.name = e.submitter.name; kept.value = e.submitter.value;
    form.appendChild(kept);
  }
  form.querySelectorAll('button[type=submit]').forEach((b) => { b.disabled = true; b.textContent = '提交中…'; });
}, true);

// 轮播图: a banner with data-interval advances one slide every N seconds and wraps; it waits while hovered or focused and
// stays still for people who ask for reduced motion. One ticker reads the DOM each time, so it survives enhanced navigation.
(() => {
  if (window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches) return;
  const since = new WeakMap();
  setInterval(() => {
    const now = Date.now();
    for (const banner of document.querySelectorAll('.km-banner[data-interval]')) {
      const ms = Number(banner.dataset.interval) * 1000;
      if (!since.has(banner) || !(ms > 0) || banner.matches(':hover, :focus-within')) { since.set(banner, now); continue; }
      if (now - since.get(banner) < ms) continue;
      since.set(banner, now);
      const slides = [...banner.querySelectorAll('.km-slide')];
      if (slides.length < 2) continue;
      const current = Number(banner.dataset.slide || 0);
      const next = (current + 1) % slides.length;
      banner.scrollTo({ left: slides[next].offsetLeft - slides[0].offsetLeft, behavior: 'smooth' });
      banner.dataset.slide = String(next);
    }
  }, 250);
})();

// The product page's total follows the quantity (the server rendered the same total for the quantity it shows).
document.addEventListener('input', (e) => {
  const input = e.target;
  if (!(input instanceof HTMLInputElement) || !input.dataset.totalFor) return;
  const total = document.querySelector(input.dataset.totalFor);
  if (!total) return;
  const unit = Number(total.dataset.unitFen);
  const quantity = /^[0-9]+$/.test(input.value) ? Number(input.value) : NaN;
  if (!(quantity > 0) || !Number.isSafeInteger(unit * quantity)) return;
  const fen = unit * quantity;
  total.textContent = '¥' + Math.floor(fen / 100) + '.' + String(fen % 100).padStart(2, '0');
});

// Opened inside WeChat or QQ (their in-app browsers): show the hint to open the page in the browser.
(() => {
  const ua = navigator.userAgent || '';
  if (!/MicroMessenger|\bQQ\/|MQQBrowser.*\bQQ\b/i.test(ua)) return;
  const show = () => document.querySelectorAll('[data-inapp-hint]').forEach((el) => { el.hidden = false; });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', show); else show();
})();
