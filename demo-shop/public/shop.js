// The demo shop's own script: the cart (in localStorage) and the Segment e-commerce events sent
// through the SDK that the page loaded by its script tag (window.clickstream).
(() => {
  const noop = () => {};
  const cs = window.clickstream || { track: noop, page: noop, flush: () => Promise.resolve() };
  const CART_KEY = 'shop_cart';
  const LAST_ORDER_KEY = 'shop_last_order';
  const CURRENCY = 'EUR';

  const readJson = (key, fallback) => {
    try {
      const v = JSON.parse(localStorage.getItem(key));
      return v ?? fallback;
    } catch {
      return fallback;
    }
  };
  const readCart = () => readJson(CART_KEY, []);
  const cents = (euros) => Math.round(euros * 100);
  const totalOf = (lines) => lines.reduce((sum, l) => sum + cents(l.price) * l.quantity, 0) / 100;
  const euro = (amount) => `€${amount.toFixed(2)}`;
  const updateBadge = () => {
    const count = document.getElementById('cart-count');
    if (count) count.textContent = String(readCart().reduce((n, l) => n + l.quantity, 0));
  };
  const writeCart = (lines) => {
    localStorage.setItem(CART_KEY, JSON.stringify(lines));
    updateBadge();
  };
  const text = (tag, value) => {
    const el = document.createElement(tag);
    el.textContent = value;
    return el;
  };

  const main = document.querySelector('main');
  const page = main ? main.dataset.page : '';
  updateBadge();

  if (page === 'product') {
    const product = JSON.parse(main.dataset.product);
    cs.track('Product Viewed', { ...product, quantity: 1 });
    document.getElementById('add-to-cart').addEventListener('click', () => {
      const lines = readCart();
      const line = lines.find((l) => l.product_id === product.product_id);
      if (line) line.quantity += 1;
      else lines.push({ ...product, quantity: 1 });
      writeCart(lines);
      cs.track('Product Added', { ...product, quantity: 1 });
      document.getElementById('added').hidden = false;
    });
  }

  if (page === 'cart') {
    const lines = readCart();
    const table = document.getElementById('cart-lines');
    for (const l of lines) {
      const row = document.createElement('tr');
      row.append(text('td', l.name), text('td', `× ${l.quantity}`), text('td', euro(l.price * l.quantity)));
      table.append(row);
    }
    document.getElementById('cart-total').textContent = lines.length
      ? `Total ${euro(totalOf(lines))}`
      : 'Your cart is empty.';
    cs.track('Cart Viewed', { products: lines, value: totalOf(lines), currency: CURRENCY });
  }

  if (page === 'checkout') {
    const lines = readCart();
    if (lines.length === 0) {
      location.replace('/cart');
      return;
    }
    const total = totalOf(lines);
    document.getElementById('checkout-total').textContent = `${lines.length} item(s), total ${euro(total)}`;
    cs.track('Checkout Started', { value: total, revenue: total, currency: CURRENCY, products: lines });
    document.getElementById('checkout-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const orderId = `o-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      cs.track('Order Completed', {
        order_id: orderId,
        total,
        revenue: total,
        currency: CURRENCY,
        products: lines,
      });
      sessionStorage.setItem(LAST_ORDER_KEY, JSON.stringify({ orderId, total }));
      writeCart([]);
      // Send before leaving; the SDK's persisted queue and pagehide beacon cover a failure.
      Promise.resolve(cs.flush()).finally(() => {
        location.href = `/order/${encodeURIComponent(orderId)}`;
      });
    });
  }

  if (page === 'order') {
    let last = null;
    try {
      last = JSON.parse(sessionStorage.getItem(LAST_ORDER_KEY));
    } catch {
      // Nothing to show.
    }
    if (last) document.getElementById('order-total').textContent = `Total paid ${euro(last.total)}`;
  }
})();
