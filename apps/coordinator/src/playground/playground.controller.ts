import { Controller, Get, NotFoundException, Param, Req, Res, ServiceUnavailableException } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { Public } from '../auth/public.decorator';
import { playgroundCsp } from './playground-csp';
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
  page(@Req() request: Request, @Res() response: Response): void {
    this.sendPage(request, response);
  }

  @Get('s/:id')
  snippetPage(@Req() request: Request, @Res() response: Response): void {
    this.sendPage(request, response);
  }

  /** Vite names assets by content hash, so they never change: cached for a year. */
  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() response: Response): void {
    if (!this.files.isAssetName(name)) throw new NotFoundException({ error: `no asset ${name}` });
    response.sendFile(name, { root: this.files.assets, dotfiles: 'deny', maxAge: ONE_YEAR_MS, immutable: true }, (error) => {
      if (error && !response.headersSent) response.status(404).json({ error: `no asset ${name}` });
    });
  }

  private sendPage(request: Request, response: Response): void {
    if (!this.files.built()) {
      throw new ServiceUnavailableException({ error: 'the playground is not built: run `npm run build`' });
    }
    response.setHeader('Content-Security-Policy', playgroundCsp(request.headers.host));
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile('index.html', { root: this.files.root });
  }
}
