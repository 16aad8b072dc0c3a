import { Injectable, type OnModuleInit } from '@nestjs/common';
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

// Algorithm is a const enum in the binding's typings, which isolated modules cannot read.
const ARGON2ID = 2 as Algorithm;

/**
 * argon2id with m = 19456 KiB, t = 2, p = 1: OWASP's minimum recommendation, measured at ~80 ms per
 * hash on the 2-core machines this runs on, which keeps a login well under 100 ms while making each
 * guess of an offline attacker cost the same. The parameters travel inside each PHC string, so
 * raising them later still verifies the older hashes.
 */
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class PasswordHasher implements OnModuleInit {
  // Verified against when the email is unknown, so that such a login costs as much as a real one.
  private dummyHash = '';

  async onModuleInit(): Promise<void> {
    this.dummyHash = await hash(randomBytes(16).toString('hex'), OPTIONS);
  }

  hash(password: string): Promise<string> {
    return hash(password, OPTIONS);
  }

  /** Compares in constant time (inside argon2); without a stored hash it burns the same time and fails. */
  async verify(storedHash: string | null, password: string): Promise<boolean> {
    const ok = await verify(storedHash ?? this.dummyHash, password).catch(() => false);
    return ok && storedHash !== null;
  }
}
