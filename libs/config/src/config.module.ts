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
/** Injection token of Kiln's home folder (config/, dist/): where built assets are found. */
export const KILN_HOME = Symbol('KILN_HOME');

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
        { provide: KILN_HOME, useValue: loaded.home },
      ],
      exports: [KilnConfig, LanguageRegistry, KILN_VERSION, KILN_HOME],
    };
  }
}
