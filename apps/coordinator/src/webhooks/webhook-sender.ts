import { Injectable } from '@nestjs/common';
import http from 'node:http';
import https from 'node:https';
import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { KilnConfig } from '@kiln/config';
import { WebhookAddressPolicy } from './webhook-address-policy';
import { signWebhook } from './webhook-signature';

/**
 * Sends one signed webhook (POST, or PUT for an API whose callbacks are PUTs);
 * throws unless the receiver answers 2xx. The whole exchange has one deadline
 * (coordinator.webhooks.timeoutMs), not an idle timeout: a receiver that
 * trickles a byte now and then would otherwise hold a delivery slot for hours.
 */
@Injectable()
export class WebhookSender {
  constructor(
    private readonly config: KilnConfig,
    private readonly policy: WebhookAddressPolicy,
  ) {}

  send(url: string, payload: unknown, jobId: string, method: 'POST' | 'PUT' = 'POST'): Promise<number> {
    const body = JSON.stringify(payload);
    const signature = signWebhook(this.config.coordinator.webhooks.secret, body, Math.floor(Date.now() / 1000));
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    const host = target.hostname.replace(/^\[|\]$/g, '');
    // An address in the URL is never looked up, so the lookup below would not see it.
    if (isIP(host)) this.policy.checkAddress(host, host);
    const { timeoutMs } = this.config.coordinator.webhooks;
    return new Promise((resolve, reject) => {
      const request = client.request(
        target,
        {
          method,
          lookup: this.checkedLookup(target.hostname),
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'kiln-webhook/1',
            'x-kiln-event': 'job.finished',
            'x-kiln-job': jobId,
            'x-kiln-signature': signature,
          },
        },
        (response) => {
          // The status decides; the rest of the answer is read (and dropped) until the deadline at most.
          response.resume();
          response.on('end', () => clearTimeout(deadline));
          response.on('error', () => undefined); // cut at the deadline, after the status already decided
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(status);
          else reject(new Error(`the receiver answered ${status}`));
        },
      );
      const deadline = setTimeout(() => request.destroy(new Error(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
      request.on('error', (error) => {
        clearTimeout(deadline);
        reject(error);
      });
      request.on('close', () => clearTimeout(deadline));
      request.end(body);
    });
  }

  /** Resolves the host and refuses internal addresses, for the connection itself. */
  private checkedLookup(host: string) {
    return (hostname: string, options: object, callback: (e: Error | null, a: string | LookupAddress[], f?: number) => void) => {
      dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
        if (error) return callback(error, []);
        try {
          for (const { address } of addresses) this.policy.checkAddress(address, host);
        } catch (refused) {
          return callback(refused as Error, []);
        }
        const all = (options as { all?: boolean }).all;
        if (all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      });
    };
  }
}
