import { describe, expect, it } from 'vitest';
import { collectedEvents, invalidWireEvents, validWireEvents } from '../fixtures/index.ts';
import { validateCollectedEvent, validateWireBatch, validateWireEvent } from './validate.ts';

describe('validateWireEvent', () => {
  it('has golden fixtures to check', () => {
    expect(Object.keys(validWireEvents).length).toBeGreaterThanOrEqual(5);
    expect(Object.keys(invalidWireEvents).length).toBeGreaterThanOrEqual(10);
  });

  it.each(Object.entries(validWireEvents))('accepts %s', (_name, event) => {
    const result = validateWireEvent(event);
    expect(result).toEqual({ ok: true, value: event });
  });

  it.each(Object.entries(invalidWireEvents))('rejects %s, naming the field', (_name, fixture) => {
    const result = validateWireEvent(fixture.event);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues[0]?.path).toBe(fixture.expect.path);
    if (fixture.expect.message) expect(result.issues[0]?.message).toBe(fixture.expect.message);
  });

  it('keeps unknown fields that Segment clients send (integrations, _metadata)', () => {
    const segment = validWireEvents['segment-node-track'];
    expect(segment).toHaveProperty('_metadata');
    expect(validateWireEvent(segment).ok).toBe(true);
  });
});

describe('validateWireBatch', () => {
  it('accepts a Segment batch envelope of valid events', () => {
    const batch = { batch: Object.values(validWireEvents), sentAt: '2026-11-24T10:20:00.100Z' };
    expect(validateWireBatch(batch).ok).toBe(true);
  });

  it('names the failing event inside a batch', () => {
    const bad = invalidWireEvents['missing-message-id']?.event;
    const result = validateWireBatch({ batch: [validWireEvents['page-view'], bad] });
    expect(result).toMatchObject({ ok: false, issues: [{ path: '/batch/1/messageId' }] });
  });

  it('rejects an empty batch', () => {
    expect(validateWireBatch({ batch: [] })).toMatchObject({ ok: false, issues: [{ path: '/batch' }] });
  });
});

describe('validateCollectedEvent', () => {
  it.each(Object.entries(collectedEvents))('accepts %s', (_name, event) => {
    expect(validateCollectedEvent(event).ok).toBe(true);
  });

  it('accepts an event produced before groupId and previousId existed (still in Kafka during an upgrade)', () => {
    const { groupId: _g, previousId: _p, ...older } = collectedEvents['order-completed']!;
    expect(validateCollectedEvent(older).ok).toBe(true);
  });

  it('refuses a raw IP inside the context', () => {
    const event = collectedEvents['order-completed'];
    const withIp = { ...event, context: { ...event?.context, ip: '203.0.113.7' } };
    expect(validateCollectedEvent(withIp).ok).toBe(false);
  });
});
