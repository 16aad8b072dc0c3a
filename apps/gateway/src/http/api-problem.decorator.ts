import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { problemKindForStatus } from './problem';

class FieldErrorDto {
  @ApiProperty({ example: 'testnet' })
  field!: string;

  @ApiProperty({ example: 'testnet must be a boolean value' })
  message!: string;
}

/** The problem+json body of every error answer. */
export class ProblemDto {
  @ApiProperty({ example: 'https://northstar.dev/problems/validation-failed' })
  type!: string;

  @ApiProperty({ example: 'Your request is invalid' })
  title!: string;

  @ApiProperty({ example: 400 })
  status!: number;

  @ApiProperty()
  detail!: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Present for 400: one entry per invalid field' })
  errors?: FieldErrorDto[];

  @ApiProperty({ description: 'Same as the X-Request-Id header' })
  requestId!: string;

  @ApiPropertyOptional({ description: 'Present for 500: quote it when reporting the problem' })
  errorId?: string;

  @ApiPropertyOptional({
    example: 'maxProjects',
    description: 'Present for 403 `plan-limit`: the limit of the plan that refused the request',
  })
  limit?: string;
}

/** Documents the problem+json answers a route can give. */
export function ApiProblemResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: problemKindForStatus(status).title,
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } },
      }),
    ),
  );
}
