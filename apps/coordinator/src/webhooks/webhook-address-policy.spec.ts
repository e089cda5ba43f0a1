// network-rule: the addresses in this file are data, never connection targets
import { KilnConfig } from '@kiln/config';
import { WebhookAddressError, WebhookAddressPolicy } from './webhook-address-policy';

const policy = (allowPrivate = false) =>
  new WebhookAddressPolicy({ coordinator: { webhooks: { allowPrivate } } } as unknown as KilnConfig);

describe('WebhookAddressPolicy.checkAddress (no lookup, no connection)', () => {
  it.each(['127.0.0.1', '10.1.2.3', '169.254.169.254', '172.16.0.1', '192.168.1.1', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1'])(
    'refuses %s',
    (address) => {
      expect(() => policy().checkAddress(address, 'hooks.kiln.test')).toThrow(WebhookAddressError);
    },
  );

  it.each(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'])('accepts the public address %s', (address) => {
    expect(() => policy().checkAddress(address, 'hooks.kiln.test')).not.toThrow();
  });

  it('accepts anything with allowPrivate', () => {
    expect(() => policy(true).checkAddress('10.1.2.3', 'hooks.kiln.test')).not.toThrow();
  });
});
