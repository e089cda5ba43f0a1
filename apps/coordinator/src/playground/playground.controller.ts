import { Controller, Get, NotFoundException, Param, Res, ServiceUnavailableException } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import { PLAYGROUND_CSP } from './playground-csp';
import { PlaygroundAssets } from './playground-assets';

const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * The playground: one page (at `/`, and at `/s/<id>` for a shared snippet,
 * which the page loads itself) and its bundled assets. Public: the page holds
 * no data; with API keys on, it asks for a key and sends it with each call.
 */
@Public()
@SkipThrottle()
@Controller()
export class PlaygroundController {
  constructor(private readonly files: PlaygroundAssets) {}

  @Get()
  page(@Res() response: Response): void {
    this.sendPage(response);
  }

  @Get('s/:id')
  snippetPage(@Res() response: Response): void {
    this.sendPage(response);
  }

  /** Vite names assets by content hash, so they never change: cached for a year. */
  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() response: Response): void {
    if (!this.files.isAssetName(name)) throw new NotFoundException({ error: `no asset ${name}` });
    response.sendFile(name, { root: this.files.assets, dotfiles: 'deny', maxAge: ONE_YEAR_MS, immutable: true }, (error) => {
      if (error && !response.headersSent) response.status(404).json({ error: `no asset ${name}` });
    });
  }

  private sendPage(response: Response): void {
    if (!this.files.built()) {
      throw new ServiceUnavailableException({ error: 'the playground is not built: run `npm run build`' });
    }
    response.setHeader('Content-Security-Policy', PLAYGROUND_CSP);
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile('index.html', { root: this.files.root });
  }
}
