import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { User } from '../users/user.entity';
import { RecoveryCode, TotpCredential } from './totp-credential.entity';

/** PostgreSQL access to authenticator enrolments and recovery codes, always by user. */
@Injectable()
export class MfaRepository {
  constructor(private readonly em: EntityManager) {}

  findTotp(userId: string): Promise<TotpCredential | null> {
    return this.em.findOne(TotpCredential, { userId });
  }

  /** Replaces whatever enrolment the user had with a pending one. */
  async replacePending(userId: string, sealedSecret: string, now: Date): Promise<void> {
    await this.em.execute(
      `insert into "identity"."totp_credentials" ("user_id", "sealed_secret", "confirmed_at", "last_used_step", "created_at")
       values (?, ?, null, null, ?)
       on conflict ("user_id") do update set "sealed_secret" = excluded."sealed_secret",
         "confirmed_at" = null, "last_used_step" = null, "created_at" = excluded."created_at"`,
      [userId, sealedSecret, now],
    );
  }

  /**
   * Records `step` as the last one used, if it is later than the last: false when a code of this step
   * (or a later one) was already accepted. The conditional update lets two concurrent requests with
   * the same code succeed only once.
   */
  async claimStep(userId: string, step: number): Promise<boolean> {
    const updated = await this.em.nativeUpdate(
      TotpCredential,
      { userId, $or: [{ lastUsedStep: null }, { lastUsedStep: { $lt: String(step) } }] },
      { lastUsedStep: String(step) },
    );
    return updated === 1;
  }

  async confirm(userId: string, now: Date): Promise<void> {
    await this.em.nativeUpdate(TotpCredential, { userId }, { confirmedAt: now });
    await this.em.nativeUpdate(User, { id: userId }, { mfaEnabled: true, updatedAt: now });
  }

  async remove(userId: string, now: Date): Promise<void> {
    await this.em.nativeDelete(TotpCredential, { userId });
    await this.em.nativeDelete(RecoveryCode, { userId });
    await this.em.nativeUpdate(User, { id: userId }, { mfaEnabled: false, updatedAt: now });
  }

  /** The user's recovery codes become these (hashes); the old ones stop working. */
  async replaceRecoveryCodes(userId: string, codeHashes: string[], now: Date): Promise<void> {
    await this.em.nativeDelete(RecoveryCode, { userId });
    await this.em.insertMany(
      RecoveryCode,
      codeHashes.map((codeHash) => ({ userId, codeHash, createdAt: now, usedAt: null })),
    );
  }

  /** Marks an unused code used; false when it is unknown or already used (also by a concurrent request). */
  async useRecoveryCode(userId: string, codeHash: string, now: Date): Promise<boolean> {
    const updated = await this.em.nativeUpdate(
      RecoveryCode,
      { userId, codeHash, usedAt: null },
      { usedAt: now },
    );
    return updated === 1;
  }
}
