import { Module } from '@nestjs/common';
import { PositionBook } from './position-book.service.js';

/**
 * Owns the one PositionBook. Both the config reloader (for its `beforeApply` veto) and the
 * strategy runner import this module, so they share the same instance.
 */
@Module({
  providers: [PositionBook],
  exports: [PositionBook],
})
export class PositionModule {}
