// E-commerce helpers: the Segment e-commerce v2 events with their documented properties. A separate
// small artifact: `import { productViewed } from '@clickstream/sdk/ecommerce'`, or the script
// `clickstream-ecommerce.js` after the main script, which adds `clickstream.ecommerce`.
import type { Properties } from './types.ts';

export interface Product {
  readonly product_id: string;
  readonly sku?: string;
  readonly name?: string;
  readonly category?: string;
  readonly brand?: string;
  readonly variant?: string;
  /** Unit price in `currency`. */
  readonly price?: number;
  readonly quantity?: number;
  readonly currency?: string;
  readonly url?: string;
  readonly [key: string]: unknown;
}

export interface Order {
  readonly order_id: string;
  /** Revenue of the order (excluding shipping and tax, as in Segment's spec). */
  readonly revenue: number;
  readonly currency: string;
  readonly total?: number;
  readonly shipping?: number;
  readonly tax?: number;
  readonly discount?: number;
  readonly coupon?: string;
  readonly products: readonly Product[];
}

type Track = (event: string, properties?: Properties) => void;

const value = (products: readonly Product[]) =>
  Math.round(products.reduce((sum, p) => sum + (p.price ?? 0) * 100 * (p.quantity ?? 1), 0)) / 100;

/** The helpers bound to a `track` function (the tracker's, or the npm entry's). */
export function ecommerce(track: Track) {
  return {
    productViewed: (p: Product) => track('Product Viewed', { ...p }),
    productAdded: (p: Product, cart_id?: string) =>
      track('Product Added', { ...p, ...(cart_id ? { cart_id } : {}) }),
    productRemoved: (p: Product, cart_id?: string) =>
      track('Product Removed', { ...p, ...(cart_id ? { cart_id } : {}) }),
    cartViewed: (products: readonly Product[], cart_id?: string) =>
      track('Cart Viewed', { products, ...(cart_id ? { cart_id } : {}) }),
    checkoutStarted: (products: readonly Product[], currency: string, order_id?: string) =>
      track('Checkout Started', {
        products,
        value: value(products),
        revenue: value(products),
        currency,
        ...(order_id ? { order_id } : {}),
      }),
    orderCompleted: (order: Order) => track('Order Completed', { ...order }),
  };
}
