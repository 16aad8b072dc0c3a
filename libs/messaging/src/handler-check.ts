import type { INestApplicationContext } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';

/** Every subject a module's controllers handle with @BusHandler / @BusEventHandler. */
export function collectHandledSubjects(app: INestApplicationContext): Set<string> {
  const discovery = app.get(DiscoveryService);
  const scanner = app.get(MetadataScanner);
  const reflector = app.get(Reflector);
  const subjects = new Set<string>();
  for (const wrapper of discovery.getControllers()) {
    const instance = wrapper.instance as Record<string, unknown> | undefined;
    if (!instance) continue;
    const prototype = Object.getPrototypeOf(instance) as object;
    for (const method of scanner.getAllMethodNames(prototype)) {
      const patterns = reflector.get<unknown[] | undefined>(PATTERN_METADATA, instance[method] as () => void);
      for (const pattern of patterns ?? []) if (typeof pattern === 'string') subjects.add(pattern);
    }
  }
  return subjects;
}

/**
 * Fails start-up when a subject the service declares in the contract has no handler: a request on it
 * would otherwise time out at run time, far from the cause.
 */
export function assertBusHandlers(app: INestApplicationContext, service: string, declared: string[]): void {
  const handled = collectHandledSubjects(app);
  const missing = declared.filter((subject) => !handled.has(subject));
  if (missing.length > 0) {
    throw new Error(`Service ${service} declares subjects without a handler: ${missing.join(', ')}`);
  }
}
