import { Body, Controller, Delete, Get, HttpCode, HttpException, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { StringDecoder } from 'node:string_decoder';
import { KilnConfig } from '@kiln/config';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { SseWriter } from '../events-stream/sse-writer';
import { RawBody } from '../http/json-body.interceptor';
import { CreateSessionDto } from './dto/create-session.dto';
import { SessionRunDto } from './dto/session-run.dto';
import { readRawBody } from './raw-body';
import { PreparedRun, SessionsService } from './sessions.service';

const KEEP_ALIVE_MS = 15_000;

/** `*path` arrives as its segments (Express 5), or whole. */
type WildcardPath = string | string[];
const joined = (path: WildcardPath) => (Array.isArray(path) ? path.join('/') : path);

/**
 * Sessions (docs/sessions.md): POST /sessions, GET and DELETE /sessions/:id,
 * POST /sessions/:id/run (JSON, or Server-Sent Events with
 * `Accept: text/event-stream`), and the workspace's files under
 * /sessions/:id/files.
 */
@Controller('sessions')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly config: KilnConfig,
  ) {}

  @Post()
  @HttpCode(201)
  create(@Body() dto: CreateSessionDto, @CurrentPrincipal() principal: Principal) {
    return this.sessions.create(dto, principal);
  }

  @Get(':id')
  view(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return this.sessions.view(id, principal);
  }

  @Delete(':id')
  @HttpCode(204)
  async close(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.sessions.close(id, principal);
  }

  @Post(':id/run')
  async run(@Param('id') id: string, @Body() dto: SessionRunDto, @CurrentPrincipal() principal: Principal, @Req() request: Request, @Res() response: Response) {
    const prepared = await this.sessions.prepareRun(id, dto, principal);
    if (request.accepts(['application/json', 'text/event-stream']) === 'text/event-stream') return this.stream(prepared, response);
    response.status(200).json(await this.sessions.run(prepared));
  }

  @Get(':id/files')
  listFiles(@Param('id') id: string, @Query('path') path: unknown, @CurrentPrincipal() principal: Principal) {
    return this.sessions.listFiles(id, typeof path === 'string' ? path : '', principal);
  }

  @Get(':id/files/*path')
  async getFile(@Param('id') id: string, @Param('path') path: WildcardPath, @CurrentPrincipal() principal: Principal, @Res() response: Response) {
    const file = await this.sessions.getFile(id, joined(path), principal);
    // Type by its name, but never shown by a browser as a page of this origin: the program chose its bytes.
    response.type(file.path.slice(file.path.lastIndexOf('/') + 1));
    response.setHeader('Content-Disposition', `attachment; filename="${file.path.slice(file.path.lastIndexOf('/') + 1)}"`);
    response.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
    response.status(200).send(file.content);
  }

  @Put(':id/files/*path')
  @RawBody()
  async putFile(@Param('id') id: string, @Param('path') path: WildcardPath, @CurrentPrincipal() principal: Principal, @Req() request: Request, @Res() response: Response) {
    const content = await readRawBody(request, response, this.config.coordinator.sessions.maxFileBytes);
    response.status(200).json(await this.sessions.putFile(id, joined(path), content, principal));
  }

  @Delete(':id/files/*path')
  @HttpCode(204)
  async deleteFile(@Param('id') id: string, @Param('path') path: WildcardPath, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.sessions.deleteFile(id, joined(path), principal);
  }

  /** The run as events: `output` as it comes (by stage and stream), then `end` with the answer, or `error`. */
  private async stream(prepared: PreparedRun, response: Response): Promise<void> {
    const sse = new SseWriter(response);
    sse.open(KEEP_ALIVE_MS);
    const decoders = new Map<string, StringDecoder>();
    const onOutput = (stage: 'compile' | 'run', stream: 'stdout' | 'stderr', data: Buffer) => {
      const key = `${stage}/${stream}`;
      const decoder = decoders.get(key) ?? new StringDecoder('utf8');
      decoders.set(key, decoder);
      sse.send('output', { stage, stream, text: decoder.write(data) });
    };
    try {
      sse.send('end', await this.sessions.run(prepared, onOutput));
    } catch (error) {
      const status = error instanceof HttpException ? error.getStatus() : 500;
      const body = error instanceof HttpException ? (error.getResponse() as { error?: string }) : null;
      sse.send('error', { status, error: body?.error ?? 'Kiln could not serve the run' });
    } finally {
      sse.close();
    }
  }
}
