import { Module } from '@nestjs/common';
import { PlaygroundAssets } from './playground-assets';

/** The playground page and its built assets. */
@Module({
  providers: [PlaygroundAssets],
  exports: [PlaygroundAssets],
})
export class PlaygroundModule {}
