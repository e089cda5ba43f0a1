import { Inject, Injectable } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KILN_HOME } from '@kiln/config';

/** A built asset's name as Vite writes it (`index-3f2a1c.js`): no path, no leading dot. */
const ASSET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Where `npm run build` put the playground (web/ built by Vite into dist/web). */
@Injectable()
export class PlaygroundAssets {
  readonly root: string;
  readonly assets: string;

  constructor(@Inject(KILN_HOME) home: string) {
    this.root = join(home, 'dist', 'web');
    this.assets = join(this.root, 'assets');
  }

  built(): boolean {
    return existsSync(join(this.root, 'index.html'));
  }

  isAssetName(name: string): boolean {
    return ASSET_NAME.test(name);
  }
}
