import { Injectable, MethodNotAllowedException, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Application, NextFunction, Request, Response } from 'express';
import { RegisteredRoute, RouteTable } from './route-table';

/**
 * A request that no route took, to a path that has routes for other
 * methods: 405 with `Allow` and the API's `{error}` naming the methods (the
 * error leaves through the app's exception filter, api-exception.filter.ts);
 * OPTIONS is answered 204 with `Allow` (a CORS preflight never gets here:
 * the CORS middleware, when on, answers it first). A path no route has goes
 * on to Nest's 404.
 *
 * The table is built once, from the routes Nest registered with Express.
 * Nest registers the controllers' routes before it calls onModuleInit and
 * its own 404 handler after, so the middleware added here sits between them.
 */
@Injectable()
export class MethodNotAllowed implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const express = this.adapterHost.httpAdapter.getInstance<Application>();
    const table = new RouteTable(registeredRoutes(express), {
      caseSensitive: express.enabled('case sensitive routing'),
      strict: express.enabled('strict routing'),
    });
    express.use((request: Request, response: Response, next: NextFunction) => {
      const allowed = table.methodsOf(request.path);
      if (!allowed.length) return next();
      response.setHeader('Allow', allowed.join(', '));
      if (request.method === 'OPTIONS') {
        response.status(204).end();
        return;
      }
      const path = request.path.slice(0, 200);
      next(new MethodNotAllowedException({ error: `${request.method} is not a method of ${path}; it answers ${allowed.join(', ')}` }));
    });
  }
}

/**
 * Each route of the app's router with the methods it answers: HEAD
 * wherever GET is, as Express answers it. A route for all methods (`@All`)
 * is left out: every request to its path is its own, so none reaches the
 * middleware.
 */
function registeredRoutes(express: Application): RegisteredRoute[] {
  return express.router.stack.flatMap(({ route }) => {
    if (!route) return [];
    if (typeof route.path !== 'string') throw new Error(`a route whose path is not a string (${String(route.path)}): the route table reads only strings`);
    const methods = route.stack.map((layer) => layer.method as string | undefined);
    if (methods.includes(undefined)) return [];
    const named = methods as string[];
    return [{ path: route.path, methods: named.includes('get') ? [...named, 'head'] : named }];
  });
}
