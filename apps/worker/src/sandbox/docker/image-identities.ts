import { Injectable } from '@nestjs/common';
import Docker from 'dockerode';

/** Image identities are looked up at most this often per image. */
const IMAGE_IDENTITY_TTL_MS = 30_000;

/**
 * What a runtime image is, for the compile cache's key: its build source
 * hash (the `kiln.source-hash` label, the same on every machine that built it
 * from the same sources), else the engine's image id.
 */
@Injectable()
export class ImageIdentities {
  private readonly known = new Map<string, { identity: string; until: number }>();

  constructor(private readonly docker: Docker) {}

  async of(image: string): Promise<string> {
    const known = this.known.get(image);
    if (known && known.until > Date.now()) return known.identity;
    const info = await this.docker.getImage(image).inspect().catch(() => null);
    // A missing image can't run anything: the task fails later, saying so.
    if (!info) return `missing:${image}`;
    const identity = info.Config?.Labels?.['kiln.source-hash'] ?? info.Id;
    this.known.set(image, { identity, until: Date.now() + IMAGE_IDENTITY_TTL_MS });
    return identity;
  }
}
