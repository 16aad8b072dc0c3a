import { ApiResponse } from '@nestjs/swagger';

/** Documents the 429 of the throttled auth routes, with its Retry-After header. */
export function ApiRateLimitedResponse(description: string): MethodDecorator & ClassDecorator {
  return ApiResponse({
    status: 429,
    description,
    headers: {
      'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } },
    },
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } },
  });
}
