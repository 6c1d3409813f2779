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

// The product page's total follows the quantity (the server rendered the same total for the quantity it shows): the unit of
// the wholesale tier reached (data-tiers: [[minQuantity, unitFen], ...]) or data-unit-fen. With a coupon applied the discount
// depends on the total, so the server prices it again: data-reprice names the button that asks (after typing stops).
(() => {
  let reprice;
  document.addEventListener('input', (e) => {
    const input = e.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.totalFor) return;
    const total = document.querySelector(input.dataset.totalFor);
    if (!total) return;
    const quantity = /^[0-9]+$/.test(input.value) ? Number(input.value) : NaN;
    if (!(quantity > 0)) return;
    let unit = Number(total.dataset.unitFen);
    let tier = null;
    if (total.dataset.tiers) {
      for (const [min, fen] of JSON.parse(total.dataset.tiers)) if (min <= quantity && (tier === null || min > tier)) { tier = min; unit = fen; }
      document.querySelectorAll('.wholesale-table tr[data-min]').forEach((row) => row.classList.toggle('active', Number(row.dataset.min) === tier));
    }
    if (total.dataset.reprice) {
      const button = document.querySelector(total.dataset.reprice);
      total.textContent = '计算中…';
      clearTimeout(reprice);
      reprice = setTimeout(() => { if (button && button.form) button.form.requestSubmit(button); }, 700);
      return;
    }
    if (!Number.isSafeInteger(unit * quantity)) return;
    const fen = unit * quantity;
    total.textContent = '¥' + Math.floor(fen / 100) + '.' + String(fen % 100).padStart(2, '0');
  });
})();

// Choosing one of 我的优惠券 prices it at once (data-apply-on-change names the 使用 button), so the total shown is what is charged.
document.addEventListener('change', (e) => {
  const input = e.target;
  if (!(input instanceof HTMLInputElement) || !input.dataset.applyOnChange) return;
  const button = document.querySelector(input.dataset.applyOnChange);
  if (button && button.form) button.form.requestSubmit(button);
});

// 秒杀 countdowns: [data-countdown-to] holds the moment in epoch ms; the text is "prefix d天 HH:MM:SS", then data-countdown-done.
(() => {
  const two = (n) => String(n).padStart(2, '0');
  const tick = () => {
    const now = Date.now();
    for (const el of document.querySelectorAll('[data-countdown-to]')) {
      const left = Math.max(0, Math.floor((Number(el.dataset.countdownTo) - now) / 1000));
      if (left === 0) { el.textContent = el.dataset.countdownDone || '已结束'; continue; }
      const d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
      el.textContent = (el.dataset.countdownPrefix ? el.dataset.countdownPrefix + ' ' : '') + (d > 0 ? d + '天 ' : '') + two(h) + ':' + two(m) + ':' + two(s);
    }
  };
  setInterval(tick, 1000);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', tick); else tick();
})();

// Opened inside WeChat or QQ (their in-app browsers): show the hint to open the page in the browser.
(() => {
  const ua = navigator.userAgent || '';
  if (!/MicroMessenger|\bQQ\/|MQQBrowser.*\bQQ\b/i.test(ua)) return;
  const show = () => document.querySelectorAll('[data-inapp-hint]').forEach((el) => { el.hidden = false; });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', show); else show();
})();
