import { describe, expect, it } from 'vitest';
import { collectedEvents, expectedLakeRows } from '../fixtures/index.ts';
import type { CollectedEvent } from './collected-event.ts';
import {
  CLICK_EVENT_NAME,
  LAKE_COLUMNS,
  PAGE_VIEW_EVENT_NAME,
  SCREEN_VIEW_EVENT_NAME,
  toLakeRow,
} from './lake-row.ts';

const order = collectedEvents['order-completed'] as CollectedEvent;

describe('toLakeRow', () => {
  it.each(Object.keys(collectedEvents))('maps %s to its golden row', (name) => {
    expect(toLakeRow(collectedEvents[name] as CollectedEvent)).toEqual(expectedLakeRows[name]);
  });

  it('produces exactly the lake columns, in file order', () => {
    expect(Object.keys(toLakeRow(order))).toEqual(LAKE_COLUMNS.map((c) => c.name));
  });

  it('fills every non-nullable column', () => {
    const row = toLakeRow(order) as Record<string, unknown>;
    for (const c of LAKE_COLUMNS.filter((c) => !c.nullable)) expect(row[c.name]).not.toBeNull();
  });

  it('names page views so they count beside track events', () => {
    const page: CollectedEvent = { ...order, type: 'page', event: null, name: 'Checkout', properties: {} };
    expect(toLakeRow(page)).toMatchObject({
      type: 'page',
      event_name: PAGE_VIEW_EVENT_NAME,
      page_name: 'Checkout',
      order_id: null,
      revenue: null,
      properties: null,
    });
  });

  it('names screens apart from page views, with the screen name as page_name', () => {
    const screen: CollectedEvent = { ...order, type: 'screen', event: null, name: 'Basket', properties: {} };
    expect(toLakeRow(screen)).toMatchObject({
      type: 'screen',
      event_name: SCREEN_VIEW_EVENT_NAME,
      page_name: 'Basket',
    });
    expect(SCREEN_VIEW_EVENT_NAME).not.toBe(PAGE_VIEW_EVENT_NAME);
  });

  it('stores the group id of group calls and the previous id of alias calls, null elsewhere', () => {
    expect(toLakeRow(collectedEvents.group as CollectedEvent)).toMatchObject({
      type: 'group',
      event_name: null,
      group_id: 'acme-gmbh',
      previous_id: null,
      traits: '{"name":"Acme GmbH","plan":"wholesale","employees":40}',
    });
    expect(toLakeRow(collectedEvents.alias as CollectedEvent)).toMatchObject({
      type: 'alias',
      event_name: null,
      group_id: null,
      previous_id: 'a1b2c3d4-0000-4000-8000-000000000001',
      user_id: 'customer-42',
    });
    expect(toLakeRow(order)).toMatchObject({ group_id: null, previous_id: null });
    const { groupId: _g, previousId: _p, ...older } = order;
    expect(toLakeRow(older)).toEqual(toLakeRow(order));
  });

  it('keeps identify traits and has no event name', () => {
    const identify: CollectedEvent = {
      ...order,
      type: 'identify',
      event: null,
      properties: {},
      traits: { plan: 'gold' },
    };
    expect(toLakeRow(identify)).toMatchObject({ event_name: null, traits: '{"plan":"gold"}' });
  });

  it('reads commerce fields leniently but never invents numbers', () => {
    const row = (properties: Record<string, unknown>) => toLakeRow({ ...order, properties });
    expect(row({ revenue: '19.90', product_id: 7 })).toMatchObject({ revenue: 19.9, product_id: '7' });
    expect(row({ revenue: 'lots', order_id: { id: 1 } })).toMatchObject({ revenue: null, order_id: null });
    expect(row({ revenue: Number.NaN })).toMatchObject({ revenue: null });
  });
});

describe('isClick', () => {
  const track = (event: string, properties: Record<string, unknown>) =>
    toLakeRow({ ...order, type: 'track', event, properties }).is_click;

  it('counts the SDK autocapture: Element Clicked and data-track names with tag and selector', () => {
    expect(track(CLICK_EVENT_NAME, { tag: 'a', text: 'Shoes', selector: 'a#x' })).toBe(true);
    expect(track('Newsletter Signup', { tag: 'button', text: 'Sign up', selector: 'button.cta' })).toBe(true);
  });

  it('does not count other track events or page views', () => {
    expect(track('Product Viewed', { product_id: 'p1' })).toBe(false);
    expect(track('Odd', { tag: 'a' })).toBe(false);
    expect(track('Odd', { tag: 1, selector: 2 })).toBe(false);
    const page: CollectedEvent = {
      ...order,
      type: 'page',
      event: null,
      properties: { tag: 'a', selector: 'a' },
    };
    expect(toLakeRow(page).is_click).toBe(false);
  });
});
