import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Application, NextFunction, Request, Response } from 'express';
import { KilnConfig } from '@kiln/config';

/** Piston's prefix; its controller's (piston.controller.ts). */
const PISTON_PREFIX = '/api/v2';

/**
 * A path under /api/v2 that no route takes is answered as Piston answers
 * one: 404 `{"message": "Not Found"}`, so a Piston client reads the reason
 * where it reads every other. Registered in onModuleInit, before Nest's own
 * 404 and after the HTTP edge's 405 and 426 (http/method-not-allowed.ts,
 * http/websocket-upgrades.ts: this module imports theirs, so their hooks run
 * first), it sees only what none of them answered. With the piston endpoint
 * group off, /api/v2 is Kiln's like any other path.
 */
@Injectable()
export class PistonNotFound implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: KilnConfig,
  ) {}

  onModuleInit(): void {
    if (!this.config.coordinator.api.endpoints.piston) return;
    const express = this.adapterHost.httpAdapter.getInstance<Application>();
    express.use((request: Request, response: Response, next: NextFunction) => {
      const path = request.path.toLowerCase();
      if (path !== PISTON_PREFIX && !path.startsWith(`${PISTON_PREFIX}/`)) return next();
      response.status(404).json({ message: 'Not Found' });
    });
  }
}
