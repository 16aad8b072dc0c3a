import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import {
  ConfirmTotpRequest,
  DisableTotpRequest,
  EnrolTotpRequest,
  IdentitySubjects,
  MfaLoginRequest,
  RegenerateRecoveryCodesRequest,
  type DoneResponse,
  type LoginResponse,
  type RecoveryCodesResponse,
  type TotpEnrolmentResponse,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { MfaService } from './mfa.service';

@Controller()
export class MfaHandler {
  constructor(
    private readonly mfa: MfaService,
    // Read by @CreateRequestContext: each message gets its own EntityManager.
    readonly orm: MikroORM,
  ) {}

  @BusHandler(IdentitySubjects.completeMfa)
  @CreateRequestContext()
  complete(@Payload() request: MfaLoginRequest): Promise<LoginResponse> {
    return this.mfa.completeSignIn(request);
  }

  @BusHandler(IdentitySubjects.enrolTotp)
  @CreateRequestContext()
  enrol(@Payload() request: EnrolTotpRequest): Promise<TotpEnrolmentResponse> {
    return this.mfa.enrol(request.principal);
  }

  @BusHandler(IdentitySubjects.confirmTotp)
  @CreateRequestContext()
  confirm(@Payload() request: ConfirmTotpRequest): Promise<RecoveryCodesResponse> {
    return this.mfa.confirm(request.principal, request.code);
  }

  @BusHandler(IdentitySubjects.disableTotp)
  @CreateRequestContext()
  async disable(@Payload() request: DisableTotpRequest): Promise<DoneResponse> {
    await this.mfa.disable(request.principal, request.password, request.code);
    return { done: true };
  }

  @BusHandler(IdentitySubjects.regenerateRecoveryCodes)
  @CreateRequestContext()
  regenerate(@Payload() request: RegenerateRecoveryCodesRequest): Promise<RecoveryCodesResponse> {
    return this.mfa.regenerateRecoveryCodes(request.principal, request.code);
  }
}
