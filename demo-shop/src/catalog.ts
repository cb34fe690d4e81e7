// The demo shop's catalogue: a handful of products in three categories, prices in EUR cents.

export interface Product {
  readonly id: string;
  readonly sku: string;
  readonly name: string;
  readonly category: string;
  /** Price in cents (EUR), so totals are exact. */
  readonly priceCents: number;
  readonly description: string;
  /** A colour for the product tile (the shop has no images). */
  readonly colour: string;
}

export const CURRENCY = 'EUR';

export const CATALOG: readonly Product[] = [
  {
    id: 'espresso-cup',
    sku: 'KIT-001',
    name: 'Espresso cup',
    category: 'Kitchen',
    priceCents: 1290,
    description: 'Thick-walled porcelain, keeps a double shot hot to the last sip.',
    colour: '#b5651d',
  },
  {
    id: 'pour-over-kettle',
    sku: 'KIT-002',
    name: 'Pour-over kettle',
    category: 'Kitchen',
    priceCents: 4900,
    description: 'Gooseneck spout for a steady, slow pour. 1 litre, stovetop and induction.',
    colour: '#708090',
  },
  {
    id: 'linen-apron',
    sku: 'KIT-003',
    name: 'Linen apron',
    category: 'Kitchen',
    priceCents: 3450,
    description: 'Washed linen with two deep pockets and adjustable straps.',
    colour: '#c2b280',
  },
  {
    id: 'wool-throw',
    sku: 'HOM-001',
    name: 'Wool throw',
    category: 'Home',
    priceCents: 8900,
    description: 'Undyed merino, 130 x 170 cm, woven in Portugal.',
    colour: '#a0522d',
  },
  {
    id: 'oak-tray',
    sku: 'HOM-002',
    name: 'Oak serving tray',
    category: 'Home',
    priceCents: 3900,
    description: 'Solid oak with cut-out handles, oiled finish.',
    colour: '#deb887',
  },
  {
    id: 'field-notebook',
    sku: 'STA-001',
    name: 'Field notebook',
    category: 'Stationery',
    priceCents: 850,
    description: 'Dot grid, 96 pages, fits a back pocket.',
    colour: '#556b2f',
  },
  {
    id: 'brass-pen',
    sku: 'STA-002',
    name: 'Brass pen',
    category: 'Stationery',
    priceCents: 2990,
    description: 'Machined brass, ages to a warm patina. Takes standard refills.',
    colour: '#daa520',
  },
];

export const productById = (id: string): Product | undefined => CATALOG.find((p) => p.id === id);

/** Formats cents as a euro amount, e.g. 1290 -> "€12.90". */
export const formatPrice = (cents: number): string => `€${(cents / 100).toFixed(2)}`;
