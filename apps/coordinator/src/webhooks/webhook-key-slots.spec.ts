import { KilnConfig } from '@kiln/config';
import { WebhookKeySlots } from './webhook-key-slots';

describe('WebhookKeySlots', () => {
  const slots = () => new WebhookKeySlots({ coordinator: { webhooks: { perKeyConcurrency: 2 } } } as unknown as KilnConfig);

  it('gives a key at most perKeyConcurrency slots, and other keys theirs meanwhile', () => {
    const keys = slots();
    expect([keys.tryTake('a'), keys.tryTake('a'), keys.tryTake('a')]).toEqual([true, true, false]);
    expect(keys.tryTake('b')).toBe(true);
    keys.give('a');
    expect(keys.heldBy('a')).toBe(1);
    expect(keys.tryTake('a')).toBe(true);
  });

  it('forgets a key whose slots are all given back', () => {
    const keys = slots();
    keys.tryTake('a');
    keys.give('a');
    expect(keys.heldBy('a')).toBe(0);
    expect([keys.tryTake('a'), keys.tryTake('a')]).toEqual([true, true]);
  });
});
