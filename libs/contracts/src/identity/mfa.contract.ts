import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { Nested } from '../common/nested';
import { ClientContext, PASSWORD_MAX_LENGTH, SessionPrincipal } from './identity.contract';

// Two-factor sign-in (TOTP, RFC 6238) and its recovery codes.

/** Recovery codes handed out at once: each works once, in place of an authenticator code. */
export const RECOVERY_CODE_COUNT = 10;
/** Seconds an `mfaToken` (the password step passed, the second factor owed) stays usable. */
export const MFA_TOKEN_TTL_SECONDS = 5 * 60;

export const TOTP_CODE_PATTERN = /^\d{6}$/;
/** `xxxxx-xxxxx`, lower-case base32 letters and digits; spaces, dashes and case are forgiven on input. */
export const RECOVERY_CODE_PATTERN = /^[a-z2-7]{5}-[a-z2-7]{5}$/;

// People type codes from phones and paper: spaces (and, in recovery codes, case) are not mistakes.
const compact = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.replace(/\s+/g, '') : value;
const recoveryCodeForm = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const letters = value.replace(/[\s-]+/g, '').toLowerCase();
  return letters.length === 10 ? `${letters.slice(0, 5)}-${letters.slice(5)}` : letters;
};

function TotpCode(): PropertyDecorator {
  return (target, key) => {
    Transform(compact)(target, key);
    // Matches refuses a non-string too: one message per field is enough.
    Matches(TOTP_CODE_PATTERN, { message: `${String(key)} must be the 6 digits of the authenticator app` })(
      target,
      key,
    );
  };
}

export class TotpCodeBody {
  @ApiProperty({
    example: '123456',
    pattern: TOTP_CODE_PATTERN.source,
    description: 'The current code of the authenticator app',
  })
  @TotpCode()
  code!: string;
}

export class EnrolTotpRequest {
  @Nested(SessionPrincipal)
  principal!: SessionPrincipal;
}

export class ConfirmTotpRequest extends TotpCodeBody {
  @Nested(SessionPrincipal)
  principal!: SessionPrincipal;
}

export class RegenerateRecoveryCodesRequest extends TotpCodeBody {
  @Nested(SessionPrincipal)
  principal!: SessionPrincipal;
}

export class DisableTotpBody extends TotpCodeBody {
  @ApiProperty({ description: 'The current password' })
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;
}

export class DisableTotpRequest extends DisableTotpBody {
  @Nested(SessionPrincipal)
  principal!: SessionPrincipal;
}

/** The second step of a sign-in: the `mfaToken` of the first, and a code or a recovery code. */
export class MfaLoginBody {
  @ApiProperty({ description: 'The `mfaToken` of the login answer; single use, valid 5 minutes' })
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  mfaToken!: string;

  @ApiPropertyOptional({
    example: '123456',
    pattern: TOTP_CODE_PATTERN.source,
    description: 'Give `code` or `recoveryCode`',
  })
  @ValidateIf((body: MfaLoginBody) => body.recoveryCode === undefined || body.code !== undefined)
  @TotpCode()
  code?: string;

  @ApiPropertyOptional({
    example: 'abcde-fghij',
    description: 'One of the recovery codes, instead of `code`',
  })
  @ValidateIf((body: MfaLoginBody) => body.recoveryCode !== undefined)
  @Transform(recoveryCodeForm)
  @IsString()
  @Matches(RECOVERY_CODE_PATTERN, { message: 'recoveryCode must be one of the recovery codes (xxxxx-xxxxx)' })
  recoveryCode?: string;
}

export class MfaLoginRequest extends MfaLoginBody {
  @Nested(ClientContext)
  client!: ClientContext;
}

export class TotpEnrolmentResponse {
  @ApiProperty({
    example: 'JBSWY3DPEHPK3PXP',
    description: 'The base32 secret, for typing into the app by hand',
  })
  secret!: string;

  @ApiProperty({
    example: 'otpauth://totp/Northstar:ada%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Northstar',
  })
  otpauthUrl!: string;

  @ApiProperty({ description: 'The `otpauthUrl` as a QR code: a `data:image/svg+xml;base64,` URI' })
  qr!: string;
}

export class RecoveryCodesResponse {
  @ApiProperty({
    type: [String],
    example: ['abcde-fghij'],
    description: `${RECOVERY_CODE_COUNT} single-use codes; shown this once (only their hashes are kept)`,
  })
  recoveryCodes!: string[];
}

/** The answer of a password (or single sign-on) step when the account has two factors on. */
export class MfaRequiredResponse {
  @ApiProperty({ enum: [true] })
  mfaRequired!: true;

  @ApiProperty({ description: 'Send it to POST /v1/auth/mfa with a code; single use, valid 5 minutes' })
  mfaToken!: string;

  @ApiProperty({ example: MFA_TOKEN_TTL_SECONDS, description: 'Seconds until the `mfaToken` expires' })
  expiresIn!: number;
}
