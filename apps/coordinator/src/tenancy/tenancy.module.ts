import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { KeyAdmission } from './key-admission';
import { KeyLimits } from './key-limits';
import { KeyTaskLedgerAudit } from './key-task-ledger.audit';

/** What one API key may claim at admission (coordinator.perKey), and the audit that keeps its ledger true. */
@Module({
  imports: [AuthModule],
  providers: [KeyLimits, KeyAdmission, KeyTaskLedgerAudit],
  exports: [KeyLimits, KeyAdmission],
})
export class TenancyModule {}
