import { ApiProperty } from '@nestjs/swagger';
import { KEY_SCOPES, KeyRateLimit, type KeyScope } from '@northstar/contracts';

/** What a key-authenticated caller learns about its own key. */
export class KeySelfDto {
  @ApiProperty({ format: 'uuid' })
  keyId!: string;

  @ApiProperty({ format: 'uuid', description: 'The project every request made with the key belongs to' })
  projectId!: string;

  @ApiProperty({ enum: KEY_SCOPES, isArray: true })
  scopes!: KeyScope[];

  @ApiProperty({ type: KeyRateLimit, nullable: true })
  rateLimit!: KeyRateLimit | null;
}
