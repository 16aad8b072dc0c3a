import { Injectable } from '@nestjs/common';

/**
 * The time as the time-based checks see it (authenticator codes, challenge expiry): one seam, so that
 * tests can stand at a fixed instant instead of racing the 30-second steps.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
