import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { KeyAuth, CurrentKey } from '../api-keys/api-key.decorators';
import type { AuthenticatedKey } from '../api-keys/key-verifier';
import { KeySelfDto } from './key-self.dto';
import { ApiAccess } from '../http/api-access.decorator';

@ApiTags('Keys')
@Controller('keys')
export class KeySelfController {
  @Get('self')
  @ApiAccess({ scopes: [] })
  @KeyAuth()
  @ApiOperation({
    summary: 'The API key this request is made with (key-authenticated)',
    description:
      'Checks a key without side effects: answers its id, project and scopes. It only authenticates, ' +
      "so it is also what load tests of key verification call. Counts toward the key's rate limit and usage.",
  })
  @ApiOkResponse({ type: KeySelfDto })
  self(@CurrentKey() key: AuthenticatedKey): KeySelfDto {
    return { keyId: key.keyId, projectId: key.projectId, scopes: [...key.scopes], rateLimit: key.rateLimit };
  }
}
