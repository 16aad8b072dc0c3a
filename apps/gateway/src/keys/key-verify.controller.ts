import { Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { VERIFY_TOKEN_SECURITY_SCHEME } from '../api-keys/api-key.openapi';
import { RpcKeyVerification } from '../api-keys/rpc-key-verification';
import { VerifyTokenGuard } from '../api-keys/verify-token.guard';
import { Public } from '../auth/public.decorator';
import { ApiAccess } from '../http/api-access.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { VerifyKeyAnswer, VerifyKeyBody } from './key-verify.dto';
import { readVerifyBody } from './verify-body';

@ApiTags('Keys')
@Controller('keys')
export class KeyVerifyController {
  constructor(private readonly verification: RpcKeyVerification) {}

  @Post('verify')
  @HttpCode(200)
  // Not a user's route (the JWT guard stands aside) nor a key's: the proxy's service token admits it.
  @Public()
  @UseGuards(VerifyTokenGuard)
  @ApiAccess({ service: 'rpc-proxy' })
  @ApiBearerAuth(VERIFY_TOKEN_SECURITY_SCHEME)
  @ApiOperation({
    summary: 'Verify a key for an RPC proxy (service token)',
    description:
      "For the operator's RPC proxies: whether a call made with a key may be served, with the key's " +
      'project, scopes, rate limit and credits. Spends `cost` credits of a key with credits, one ' +
      "request of the key's rate limit, and counts toward the key's usage by chain. A refusal is a 200 " +
      'with `valid: false` and a `code`; only the caller itself (no or a wrong service token) gets 401.',
  })
  @ApiBody({ type: VerifyKeyBody })
  @ApiOkResponse({ type: VerifyKeyAnswer })
  @ApiProblemResponses(400, 401, 503)
  // The raw body, not @Body(): readVerifyBody checks a plain body by hand and leaves the rest to the
  // validation pipe (see there why).
  async verify(@Req() request: FastifyRequest): Promise<VerifyKeyAnswer> {
    return (await this.verification.verify(await readVerifyBody(request.body))) as VerifyKeyAnswer;
  }
}
