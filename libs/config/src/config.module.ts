import { DynamicModule, Global, Module } from '@nestjs/common';
import { LanguageRegistry } from '@kiln/tasks';
import { LoadedConfig } from './config-loader';
import { KilnConfig } from './kiln-config';

/**
 * Makes the validated configuration and the language table injectable
 * (`KilnConfig`, `LanguageRegistry`) in every module of an application.
 */
@Global()
@Module({})
export class KilnConfigModule {
  static forRoot(loaded: LoadedConfig): DynamicModule {
    return {
      module: KilnConfigModule,
      providers: [
        { provide: KilnConfig, useValue: loaded.config },
        { provide: LanguageRegistry, useValue: loaded.languages },
      ],
      exports: [KilnConfig, LanguageRegistry],
    };
  }
}
