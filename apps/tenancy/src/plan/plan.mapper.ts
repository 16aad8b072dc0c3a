import type { PlanDto, PlanLimitsDto } from '@northstar/contracts';
import type { Plan } from './plan.entity';

export function toPlanDto(plan: Plan): PlanDto {
  return {
    id: plan.id,
    name: plan.name,
    monthlyEvents: plan.monthlyEvents,
    retentionDays: plan.retentionDays,
    maxProjects: plan.maxProjects,
    maxMembers: plan.maxMembers,
    maxKeys: plan.maxKeys,
  };
}

export function toPlanLimitsDto(plan: Plan): PlanLimitsDto {
  return { ...toPlanDto(plan), defaultKeyRateLimit: plan.defaultKeyRateLimit };
}
