// The demo shop's own script: the cart (in localStorage) and the Segment e-commerce events, sent
// through the SDK that the page loaded by script tag (window.clickstream) and its e-commerce add-on
// (clickstream.ecommerce).
(() => {
  const noop = () => {};
  const cs = window.clickstream || { track: noop, flush: () => Promise.resolve() };
  const ec = cs.ecommerce || {};
  const call = (name, ...args) => (ec[name] || noop)(...args);
  const CART_KEY = 'shop_cart';
  const LAST_ORDER_KEY = 'shop_last_order';
  const CURRENCY = 'EUR';

  const readCart = () => {
    try {
      return JSON.parse(localStorage.getItem(CART_KEY)) || [];
    } catch {
      return [];
    }
  };
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
  const el = (tag, text) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    return node;
  };

  // Consent: the footer button opts out of (or back into) analytics; the SDK remembers it.
  const privacy = document.getElementById('privacy');
  const OPTED_OUT = 'shop_opted_out';
  const showConsent = () => {
    if (privacy)
      privacy.textContent = localStorage.getItem(OPTED_OUT) ? 'Opt in to analytics' : 'Opt out of analytics';
  };
  if (privacy && cs.optOut) {
    showConsent();
    privacy.addEventListener('click', () => {
      if (localStorage.getItem(OPTED_OUT)) {
        localStorage.removeItem(OPTED_OUT);
        cs.optIn();
      } else {
        localStorage.setItem(OPTED_OUT, '1');
        cs.optOut();
      }
      showConsent();
    });
  }

  /** A stable customer id from the email (FNV-1a), so the email itself is never sent. */
  const customerId = (email) => {
    let h = 0x811c9dc5;
    for (const c of email.trim().toLowerCase()) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
    return `cust-${h.toString(16)}`;
  };

  const main = document.querySelector('main');
  const page = main ? main.dataset.page : '';
  updateBadge();

  if (page === 'product') {
    const product = JSON.parse(main.dataset.product);
    call('productViewed', { ...product, quantity: 1 });
    document.getElementById('add-to-cart').addEventListener('click', () => {
      const lines = readCart();
      const line = lines.find((l) => l.product_id === product.product_id);
      if (line) line.quantity += 1;
      else lines.push({ ...product, quantity: 1 });
      writeCart(lines);
      call('productAdded', { ...product, quantity: 1 });
      document.getElementById('added').hidden = false;
    });
  }

  if (page === 'search') {
    cs.track('Products Searched', { query: main.dataset.query, results: Number(main.dataset.results) });
  }

  if (page === 'cart') {
    const render = () => {
      const lines = readCart();
      const table = document.getElementById('cart-lines');
      table.replaceChildren();
      for (const l of lines) {
        const row = el('tr');
        const remove = el('button', 'Remove');
        remove.type = 'button';
        remove.className = 'remove';
        remove.dataset.productId = l.product_id;
        remove.addEventListener('click', () => {
          writeCart(readCart().filter((x) => x.product_id !== l.product_id));
          call('productRemoved', { ...l });
          render();
        });
        const action = el('td');
        action.append(remove);
        row.append(
          el('td', l.name),
          el('td', `× ${l.quantity}`),
          el('td', euro(l.price * l.quantity)),
          action,
        );
        table.append(row);
      }
      document.getElementById('cart-total').textContent = lines.length
        ? `Total ${euro(totalOf(lines))}`
        : 'Your cart is empty.';
      document.getElementById('checkout').hidden = lines.length === 0;
    };
    render();
    call('cartViewed', readCart());
  }

  if (page === 'checkout') {
    const lines = readCart();
    if (lines.length === 0) {
      location.replace('/cart');
      return;
    }
    const total = totalOf(lines);
    document.getElementById('checkout-total').textContent = `${lines.length} item(s), total ${euro(total)}`;
    call('checkoutStarted', lines, CURRENCY);
    document.getElementById('checkout-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const orderId = `o-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      const form = new FormData(e.target);
      if (cs.identify) cs.identify(customerId(String(form.get('email') || '')), { first_order: orderId });
      call('orderCompleted', {
        order_id: orderId,
        total,
        revenue: total,
        currency: CURRENCY,
        products: lines,
      });
      sessionStorage.setItem(LAST_ORDER_KEY, JSON.stringify({ orderId, total }));
      writeCart([]);
      // Send before leaving; the SDK keeps the events queued if this fails.
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
