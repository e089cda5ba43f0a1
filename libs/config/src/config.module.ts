import { DynamicModule, Global, Module } from '@nestjs/common';
import { LanguageRegistry } from '@kiln/tasks';
import { LoadedConfig } from './config-loader';
import { KilnConfig } from './kiln-config';

/**
 * Makes the validated configuration and the language table injectable
 * (`KilnConfig`, `LanguageRegistry`) in every module of an application.
 */
/** Injection token of Kiln's version string. */
export const KILN_VERSION = Symbol('KILN_VERSION');

@Global()
@Module({})
export class KilnConfigModule {
  static forRoot(loaded: LoadedConfig): DynamicModule {
    return {
      module: KilnConfigModule,
      providers: [
        { provide: KilnConfig, useValue: loaded.config },
        { provide: LanguageRegistry, useValue: loaded.languages },
        { provide: KILN_VERSION, useValue: loaded.version },
      ],
      exports: [KilnConfig, LanguageRegistry, KILN_VERSION],
    };
  }
}
